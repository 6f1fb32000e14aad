/* SPDX-License-Identifier: MIT */
/*
 * The splitter reads code points, maps each to zero, one or two characters
 * of a-z, 0-9 and the leet symbols @ $ ! |, or to a separator, and cuts
 * pieces at separators. ASCII takes a fast path: the lexicon screens every
 * message, and most messages are plain ASCII.
 */
#include <stdlib.h>
#include <string.h>

#include "textnorm.h"
#include "xalloc.h"

/* What a code point is to the splitter. */
enum kind {
	K_WORD,		/* a letter, digit or leet symbol: mapped into map[] */
	K_PUNCT,	/* punctuation or anything unknown: glues */
	K_ENDER,	/* . ! ? ; : ends a sentence when a blank follows */
	K_BLANK,	/* a space */
	K_NEWLINE,	/* ends a sentence */
	K_IGNORE	/* invisible: dropped, the word goes on */
};

/*
 * U+00C0 to U+017F (Latin-1 Supplement and Latin Extended-A): two
 * characters each, the letter without its accents and a second letter for
 * ligatures (æ ae, ß ss, þ th), blank for × and ÷. Made from Unicode's
 * compatibility decompositions.
 */
static const char latin[] =
	"a a a a a a aec e e e e i i i i d n o o o o o   o u u u u y thss"
	"a a a a a a aec e e e e i i i i d n o o o o o   o u u u u y thy "
	"a a a a a a c c c c c c c c d d d d e e e e e e e e e e g g g g "
	"g g g g h h h h i i i i i i i i i i ijijj j k k k l l l l l l l "
	"l l l n n n n n n n n n o o o o o o oeoer r r r r r s s s s s s "
	"s s t t t t t t u u u u u u u u u u u u w w y y y z z z z z z s ";

/*
 * Greek (U+0391 to U+03C9) and Cyrillic (U+0400 to U+045F) letters that
 * look like Latin ones, and nothing for the rest (they separate words).
 */
static const char greek[] =
	"ab  ezh ik mn o p  ty x  iyae iu"	/* U+0391 */
	"aby e n ik uv o p  tu x wi";		/* U+03B1 */
static const char cyrillic[] =
	"ee  esiij   k y a b  e    k mho "	/* U+0400 */
	"pcty x      b   a    e    k mhon"	/* U+0420 */
	"pcty x      b   eeh esiij  hkuy ";	/* U+0440 */

/* The reading of a leet character: its first and, if any, second. */
static const char *
leet(char c)
{
	switch (c) {
	case '0': return "o";
	case '1': return "il";
	case '3': return "e";
	case '4': return "a";
	case '5': return "s";
	case '7': return "t";
	case '8': return "b";
	case '9': return "g";
	case '@': return "a";
	case '$': return "s";
	case '!': return "i";
	case '|': return "li";
	default: return NULL;
	}
}

static int
is_sym(char c)
{
	return c == '@' || c == '$' || c == '!' || c == '|';
}

static inline enum kind
ascii_kind(unsigned char c, char *map)
{
	if (c >= 'a' && c <= 'z') {
		map[0] = (char)c;
		return K_WORD;
	}
	if (c >= 'A' && c <= 'Z') {
		map[0] = (char)(c - 'A' + 'a');
		return K_WORD;
	}
	if ((c >= '0' && c <= '9') || is_sym((char)c)) {
		map[0] = (char)c;
		return K_WORD;
	}
	switch (c) {
	case ' ': case '\t': case '\r': case '\v': case '\f':
		return K_BLANK;
	case '\n':
		return K_NEWLINE;
	case '.': case '?': case ';': case ':':
		return K_ENDER;
	default:
		return K_PUNCT;
	}
}

/* Maps code point u; map gets up to two characters, NUL-padded. */
static enum kind
cp_kind(uint32_t u, char *map)
{
	const char *m = NULL;

	map[0] = map[1] = '\0';
	if (u < 0x80)
		return ascii_kind((unsigned char)u, map);
	if (u == 0xa0 || u == 0x1680 || (u >= 0x2000 && u <= 0x200a) ||
	    u == 0x202f || u == 0x205f || u == 0x3000)
		return K_BLANK;
	if (u == 0x85 || u == 0x2028 || u == 0x2029)
		return K_NEWLINE;
	if (u == 0xad || (u >= 0x200b && u <= 0x200f) || u == 0x2060 ||
	    u == 0xfeff || (u >= 0x0300 && u <= 0x036f) ||
	    (u >= 0x1ab0 && u <= 0x1aff) || (u >= 0x1dc0 && u <= 0x1dff) ||
	    (u >= 0x20d0 && u <= 0x20ff) || (u >= 0xfe00 && u <= 0xfe0f) ||
	    (u >= 0xfe20 && u <= 0xfe2f))
		return K_IGNORE;
	if (u >= 0xc0 && u <= 0x17f)
		m = &latin[(u - 0xc0) * 2];
	else if (u >= 0x391 && u <= 0x3ca)
		m = &greek[u - 0x391];
	else if (u >= 0x400 && u <= 0x45f)
		m = &cyrillic[u - 0x400];
	else if (u >= 0xff21 && u <= 0xff3a)
		map[0] = (char)('a' + (u - 0xff21));
	else if (u >= 0xff41 && u <= 0xff5a)
		map[0] = (char)('a' + (u - 0xff41));
	else if (u >= 0xff10 && u <= 0xff19)
		map[0] = (char)('0' + (u - 0xff10));
	else if (u >= 0x24b6 && u <= 0x24cf)
		map[0] = (char)('a' + (u - 0x24b6));
	else if (u >= 0x24d0 && u <= 0x24e9)
		map[0] = (char)('a' + (u - 0x24d0));
	else if (u >= 0x1d400 && u <= 0x1d6a3)
		/* Thirteen alphabets of 52 (A-Z a-z), some with holes. */
		map[0] = (char)('a' + (u - 0x1d400) % 52 % 26);
	else if (u >= 0x1d7ce && u <= 0x1d7ff)
		map[0] = (char)('0' + (u - 0x1d7ce) % 10);
	else if (u == 0x2019 || u == 0x2018 || u == 0x201c || u == 0x201d)
		return K_PUNCT;
	else if (u == 0x2026 || u == 0x3002 || u == 0xff01 || u == 0xff1f)
		return K_ENDER;
	if (m != NULL && m[0] != ' ') {
		map[0] = m[0];
		if (u >= 0xc0 && u <= 0x17f && m[1] != ' ')
			map[1] = m[1];
	}
	return map[0] != '\0' ? K_WORD : K_PUNCT;
}

/*
 * Decodes the code point at s (n > 0 bytes left) into *u and returns its
 * length; a byte that does not start a valid sequence is returned alone
 * as U+FFFD.
 */
static size_t
decode(const unsigned char *s, size_t n, uint32_t *u)
{
	size_t len, i;
	uint32_t c = s[0], min;

	if (c < 0x80) {
		*u = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, c &= 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, c &= 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, c &= 0x07, min = 0x10000;
	else
		len = 0, min = 0;
	if (len == 0 || len > n) {
		*u = 0xfffd;
		return 1;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*u = 0xfffd;
			return 1;
		}
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*u = 0xfffd;
		return 1;
	}
	*u = c;
	return len;
}

void
textnorm_init(struct textnorm *t)
{
	memset(t, 0, sizeof(*t));
	buf_init(&t->forms);
}

void
textnorm_release(struct textnorm *t)
{
	free(t->p);
	buf_release(&t->forms);
	textnorm_init(t);
}

const char *
textnorm_form(const struct textnorm *t, const struct textnorm_piece *p,
    size_t k)
{
	const char *f;

	/* No form stored yet: data is NULL, and NULL + 0 is undefined. */
	if (t->forms.data == NULL)
		return "";
	f = t->forms.data + p->form;
	while (k-- > 0)
		f += strlen(f) + 1;
	return f;
}

/* Appends form f (len bytes) to the piece's forms unless it is there. */
static void
add_form(struct textnorm *t, struct textnorm_piece *p, const char *f,
    size_t len)
{
	const char *g;
	size_t k;

	if (p->nforms >= TEXTNORM_FORMS)
		return;
	/* The piece's forms so far; none (data may be NULL) when nforms is 0. */
	g = p->nforms > 0 ? t->forms.data + p->form : NULL;
	for (k = 0; k < p->nforms; k++, g += strlen(g) + 1)
		if (strlen(g) == len && memcmp(g, f, len) == 0)
			return;
	buf_add(&t->forms, f, len);
	buf_putc(&t->forms, '\0');
	p->nforms++;
}

/*
 * Adds the forms of w (len bytes, leet already read): w itself, and when a
 * letter repeats three times or more, each choice of once or twice for
 * the first two such runs (longer runs past those are made twice).
 */
static void
add_squeezed(struct textnorm *t, struct textnorm_piece *p, const char *w,
    size_t len)
{
	size_t run[2], nrun = 0, i, j, k;
	char out[TEXTNORM_MAXWORD];
	unsigned choice;
	size_t o;

	for (i = 0; i < len; i = j) {
		for (j = i + 1; j < len && w[j] == w[i]; j++)
			;
		if (j - i >= 3 && w[i] >= 'a' && w[i] <= 'z' && nrun < 2)
			run[nrun++] = i;
	}
	/*
	 * The spelling as it is comes first: "xxx" and "www" are words.
	 */
	add_form(t, p, w, len);
	if (nrun == 0)
		return;
	/* Twice before once: "kiiilll" reads kill before kil. */
	for (choice = 0; choice < 1u << nrun; choice++) {
		o = 0;
		for (i = 0, k = 0; i < len; i = j) {
			for (j = i + 1; j < len && w[j] == w[i]; j++)
				;
			if (j - i < 3 || w[i] < 'a' || w[i] > 'z') {
				memcpy(out + o, w + i, j - i);
				o += j - i;
				continue;
			}
			out[o++] = w[i];
			if (k >= nrun || !(choice >> k & 1))
				out[o++] = w[i];
			k += k < nrun && run[k] == i;
		}
		add_form(t, p, out, o);
	}
}

/*
 * Makes the forms of the piece whose characters are in t->word: the
 * readings of its leet characters (both readings of the ambiguous 1 and |
 * for the first three of them), each squeezed.
 */
static void
make_forms(struct textnorm *t, struct textnorm_piece *p)
{
	char *w = t->word, out[TEXTNORM_MAXWORD];
	const char *r;
	size_t len = t->wlen, i, amb[3], namb = 0, k;
	int letter = 0, odd = 0, run = 0;
	unsigned choice;

	if (t->odd)
		for (i = 0; i < len; i++) {
			if (w[i] >= 'a' && w[i] <= 'z')
				letter = 1;
			else
				odd = 1;
		}
	else
		letter = len > 0;
	for (i = 2; i < len && !run; i++)
		run = w[i] == w[i - 1] && w[i] == w[i - 2];
	p->form = t->forms.len;
	p->len = (uint8_t)len;
	/* The common case, a plain word: one form, copied with its NUL. */
	if (!odd && !run) {
		w[len] = '\0';
		buf_add_short(&t->forms, w, len + 1);
		p->nforms = 1;
		return;
	}
	p->nforms = 0;
	if (!letter || !odd) {
		if (letter)
			add_squeezed(t, p, w, len);
		else
			add_form(t, p, w, len);
		p->len = (uint8_t)strlen(t->forms.data + p->form);
		return;
	}
	for (i = 0; i < len; i++)
		if ((r = leet(w[i])) != NULL && r[1] != '\0' && namb < 3)
			amb[namb++] = i;
	for (choice = 0; choice < 1u << namb; choice++) {
		for (i = 0, k = 0; i < len; i++) {
			if ((r = leet(w[i])) == NULL) {
				out[i] = w[i];
				continue;
			}
			if (k < namb && amb[k] == i)
				out[i] = r[choice >> k++ & 1];
			else
				out[i] = r[0];
		}
		add_squeezed(t, p, out, len);
	}
	p->len = (uint8_t)strlen(t->forms.data + p->form);
}

/* Separator state since the last piece. */
struct gap {
	int any, blank, ender, newline;
};

/*
 * Ends the piece in t->word, which covers text[start, end): leading and
 * trailing ! and | and a trailing @ are punctuation, not letters (and a !
 * may end a sentence). Symbols are one byte each, so the piece's offsets
 * move by their number.
 */
static void
close_piece(struct textnorm *t, size_t start, size_t end, struct gap *g)
{
	struct textnorm_piece *p;
	char *w = t->word;
	size_t len = t->wlen, lead = 0, trail;
	int bang;

	/* Only a word with a symbol in it has a symbol to strip. */
	while (t->odd && lead < len && (w[lead] == '!' || w[lead] == '|'))
		lead++;
	while (t->odd && len > lead && (w[len - 1] == '!' ||
	    w[len - 1] == '|' || w[len - 1] == '@'))
		len--;
	trail = t->wlen - len;
	bang = trail > 0 && memchr(w + len, '!', trail) != NULL;
	if (lead > 0) {
		g->any = 1;
		g->ender |= memchr(w, '!', lead) != NULL;
	}
	if (len > lead) {
		if (t->n == t->cap) {
			t->cap = t->cap == 0 ? 64 : t->cap * 2;
			t->p = xreallocarray(t->p, t->cap, sizeof(*t->p));
		}
		p = &t->p[t->n++];
		p->start = start + lead;
		p->end = end - trail;
		p->glued = t->n > 1 && g->any && !g->blank && !g->newline;
		p->brk = t->n > 1 && (g->newline || (g->ender && g->blank));
		if (lead > 0)
			memmove(w, w + lead, len - lead);
		t->wlen = len - lead;
		make_forms(t, p);
		memset(g, 0, sizeof(*g));
	}
	t->wlen = 0;
	t->odd = 0;
	if (trail > 0) {
		g->any = 1;
		g->ender |= bang;
	}
}

void
textnorm_split(struct textnorm *t, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, start = 0;
	struct gap g = { 0, 0, 0, 0 };
	enum kind k;
	uint32_t u;
	char map[2];
	int open = 0;

	t->n = 0;
	t->wlen = 0;
	t->odd = 0;
	buf_reset(&t->forms);
	while (i < len) {
		/* Most bytes are lower-case letters going on with a word. */
		if (open)
			while (i < len && s[i] >= 'a' && s[i] <= 'z' &&
			    t->wlen + 2 <= TEXTNORM_MAXWORD)
				t->word[t->wlen++] = (char)s[i++];
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			n = 1;
			map[1] = '\0';
			k = ascii_kind(s[i], map);
		} else {
			n = decode(s + i, len - i, &u);
			k = cp_kind(u, map);
		}
		if (k == K_WORD) {
			if (!open) {
				open = 1;
				start = i;
			} else if (t->wlen + 2 > TEXTNORM_MAXWORD) {
				close_piece(t, start, i, &g);
				g.any = 1;
				start = i;
			}
			t->word[t->wlen++] = map[0];
			if (map[1] != '\0')
				t->word[t->wlen++] = map[1];
			t->odd |= map[0] < 'a' || map[0] > 'z' ||
			    (map[1] != '\0' && (map[1] < 'a' || map[1] > 'z'));
		} else if (k != K_IGNORE) {
			if (open) {
				close_piece(t, start, i, &g);
				open = 0;
			}
			g.any = 1;
			g.blank |= k == K_BLANK;
			g.ender |= k == K_ENDER;
			g.newline |= k == K_NEWLINE;
		}
		i += n;
	}
	if (open)
		close_piece(t, start, len, &g);
}

/* What a byte is to textnorm_token; the letters of token_classes. */
enum tclass {
	T_BLANK = 'B', T_LETTER = 'L', T_PUNCT = 'P', T_BANG = '!',
	T_OTHER = 'X'
};

/*
 * The class of each byte, as ascii_kind sees it: B blanks and newline,
 * L letters, X digits, @ $ | and every byte of a non-ASCII character,
 * ! itself, P the rest. One load a byte.
 */
static const char token_classes[] =
	"PPPPPPPPPBBBBBPP" "PPPPPPPPPPPPPPPP"	/* controls */
	"B!PPXPPPPPPPPPPP" "XXXXXXXXXXPPPPPP"	/* space to ? */
	"XLLLLLLLLLLLLLLL" "LLLLLLLLLLLPPPPP"	/* @ to _ */
	"PLLLLLLLLLLLLLLL" "LLLLLLLLLLLPXPPP"	/* ` to DEL */
	"XXXXXXXXXXXXXXXX" "XXXXXXXXXXXXXXXX"
	"XXXXXXXXXXXXXXXX" "XXXXXXXXXXXXXXXX"
	"XXXXXXXXXXXXXXXX" "XXXXXXXXXXXXXXXX"
	"XXXXXXXXXXXXXXXX" "XXXXXXXXXXXXXXXX";

static inline enum tclass
token_class(unsigned char c)
{
	return (enum tclass)token_classes[c];
}

int
textnorm_token(const char *text, size_t len, size_t *pos,
    struct textnorm_token *tk)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos, n = 0;
	enum tclass c = T_BLANK;
	char ch;

	while (i < len && token_class(s[i]) == T_BLANK)
		i++;
	if (i >= len) {
		*pos = i;
		return 0;
	}
	tk->start = i;
	tk->plain = 1;
	while (i < len && (c = token_class(s[i])) == T_PUNCT)
		i++;
	/* Well short of TEXTNORM_MAXWORD, where textnorm_split cuts. */
	for (; i < len && n + 4 < TEXTNORM_MAXWORD &&
	    (c = token_class(s[i])) == T_LETTER; i++) {
		ch = (char)(s[i] | 0x20);
		if (n >= 2 && ch == tk->word[n - 1] && ch == tk->word[n - 2])
			tk->plain = 0;
		tk->word[n++] = ch;
	}
	/* A ! after the letters is stripped from the piece. */
	for (; i < len && ((c = token_class(s[i])) == T_PUNCT ||
	    (c == T_BANG && n > 0)); i++)
		;
	if (i < len && c != T_BLANK)
		for (tk->plain = 0; i < len && token_class(s[i]) != T_BLANK;
		    i++)
			;
	/* So that a short word can be read eight bytes at once. */
	memset(tk->word + n, 0, 8);
	tk->end = *pos = i;
	tk->len = n;
	return 1;
}
