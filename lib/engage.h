/* SPDX-License-Identifier: MIT */
/*
 * The engagement model of cpo-simulate: how likely a customer is to open,
 * click and convert, from their own history and the message they are sent.
 *
 * A customer's baseline is their history: P(open) is historical_open_rate,
 * P(click | open) is historical_click_rate / historical_open_rate (at most
 * max_click_given_open), and P(convert | click) is conversion_given_click.
 * A treatment message multiplies each of the three by the effect of its
 * tone, of its tone in the customer's segment, and of its features
 * (personalization, citations, a long subject), and by the customer's own
 * noise, exp(noise_sd z - noise_sd^2 / 2) with z standard normal, whose
 * mean is 1. The control message has no effects and no noise. Every
 * probability is capped at max_probability.
 */
#ifndef CPO_ENGAGE_H
#define CPO_ENGAGE_H

#include <stddef.h>

#include "buf.h"
#include "experiment.h"

#define ENGAGE_TONES_MAX 32
#define ENGAGE_SEGMENT_TONES_MAX 256

/* The funnel's stages, which the effects multiply. */
enum engage_stage {
	STAGE_OPEN,		/* P(open) */
	STAGE_CLICK,		/* P(click | open) */
	STAGE_CONVERT,		/* P(convert | click) */
	STAGE_N
};

/* Multipliers of the three stages; 1 leaves a stage alone. */
struct engage_effect {
	double m[STAGE_N];
};

struct engage_tone {
	const char *tone;
	struct engage_effect effect;
};

struct engage_segment_tone {
	const char *segment;
	const char *tone;
	struct engage_effect effect;
};

struct engage_model {
	double conversion_given_click;
	double max_click_given_open;
	double max_probability;
	double noise_sd;
	struct engage_tone tone[ENGAGE_TONES_MAX];
	size_t ntones;
	struct engage_segment_tone segment_tone[ENGAGE_SEGMENT_TONES_MAX];
	size_t nsegment_tones;
	struct engage_effect personalized;	/* the message is personalized */
	struct engage_effect citation;		/* per citation, up to max */
	unsigned max_citations;
	struct engage_effect long_subject;	/* subject over subject_chars */
	unsigned subject_chars;
	void *owned;			/* the parsed file strings point into */
};

/* What the model looks at in a message. */
struct engage_message {
	int known;		/* the message's text is in the record */
	int personalized;	/* it mentions the customer's tier, location
				   or segment */
	unsigned citations;	/* its citations */
	unsigned subject_chars;	/* its subject's length in characters */
};

/* Sets m to the compiled-in model (data/engagement.json). Can't fail. */
void engage_init(struct engage_model *m);

/*
 * Reads a model file at path over the compiled-in model into m. Returns 0;
 * -1 after appending a message naming the key at fault to err; or -2 after
 * appending the system's reason when the file cannot be read. m is left
 * unchanged on failure.
 */
int engage_load(struct engage_model *m, const char *path, struct buf *err);

/* The same for len bytes of JSON text. */
int engage_parse(struct engage_model *m, const char *text, size_t len,
    struct buf *err);

/* Frees what engage_load kept. */
void engage_release(struct engage_model *m);

/*
 * Computes the three stage probabilities into p for a customer with the
 * given history (rates from 0 to 1) sent a message of tone (NULL for the
 * control message) with features msg (NULL or not known: no feature
 * effects), in segment (NULL when none), with noise z (STAGE_N standard
 * normal deviates, drawn once per customer).
 */
void engage_probabilities(const struct engage_model *m, double open_rate,
    double click_rate, const char *tone, const char *segment,
    const struct engage_message *msg, const double *z, double *p);

/*
 * Turns stage probabilities into the expected open, click and conversion
 * rates (indexed by enum metric): p0, p0 p1 and p0 p1 p2.
 */
void engage_expected(const double *p, double *rate);

#endif
