/* SPDX-License-Identifier: MIT */
/*
 * The parsers of every backend's HTTP answer: the chat completion (openai
 * and azure-openai share it), Azure AI Content Safety, OpenAI moderation
 * and Azure AI Search. The first byte picks the parser and the status, the
 * rest is the body.
 */
#include "fuzz.h"
#include "azsearch.h"
#include "buf.h"
#include "llm.h"
#include "moderation.h"
#include "safety.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 429, 500 };
	int severity[SAFETY_NCATEGORIES];
	const char *body = (const char *)data + 1;
	struct azsearch_result res;
	struct llm_answer a;
	struct buf why;
	size_t len;

	if (size == 0)
		return 0;
	len = size - 1;
	buf_init(&why);
	switch (data[0] % 4) {
	case 0:
		llm_answer_init(&a);
		llm_read(statuses[data[0] / 4 % 5], body, len, &a, &why);
		llm_answer_release(&a);
		break;
	case 1:
		moderation_parse(MODERATION_AZURE, body, len, severity, &why);
		buf_reset(&why);
		moderation_error_detail(body, len, &why);
		break;
	case 2:
		moderation_parse(MODERATION_OPENAI, body, len, severity, &why);
		break;
	case 3:
		if (azsearch_parse(body, len, &res, &why) == 0)
			azsearch_result_release(&res);
		break;
	}
	buf_release(&why);
	return 0;
}
