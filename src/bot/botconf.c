/*
 * Bot configuration: the command line, and a small "key = value" file
 * applied before it, so that arguments win. Everything is checked here,
 * once, so that the core can trust names and lengths.
 */
#include "bot/botconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 2812 2.3.1 and ircserv's NICKLEN. */
#define NICK_MAX        30

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

void
botconf_init(struct botconf *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	ircline_copy(cfg->nick, BOTCONF_DEFAULT_NICK, sizeof(cfg->nick));
}

const char *
botconf_usage(void)
{
	return "usage: ircbot [-f FILE] [-g GREETING] [-w WORD,...] "
	    "<host> <port> <password> [nick] [#channel...]\n"
	    "  -f FILE      read nick, channels, greeting and words from FILE\n"
	    "  -g GREETING  say this when someone joins ({nick}, {chan} replaced)\n"
	    "  -w WORDS     banned words: warn once, then kick (as channel operator)\n";
}

/* RFC 2812 2.3.1: letter or special first, then letters, digits, specials, '-'. */
static bool
nick_is_valid(const char *s)
{
	const char *special = "[]\\`_^{|}";
	size_t len = strlen(s);

	if (len == 0 || len > NICK_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    strchr(special, c) != NULL;

		if (i > 0)
			ok = ok || (c >= '0' && c <= '9') || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

int
botconf_add_channel(struct botconf *cfg, const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);

	/* RFC 2812 1.3: no space, comma or ^G; we also keep out control bytes. */
	if (!ircline_is_channel(name) || len < 2 || len >= IRCLINE_CHAN_MAX)
		return fail(err, errlen, "bad channel name \"%.64s\"", name);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == ',' || name[i] == ':')
			return fail(err, errlen, "bad channel name \"%.64s\"", name);
	for (size_t i = 0; i < cfg->nchans; i++)
		if (ircline_casecmp(cfg->chans[i], name) == 0)
			return 0;
	if (cfg->nchans >= BOTCONF_CHANS_MAX)
		return fail(err, errlen, "more than %d channels", BOTCONF_CHANS_MAX);
	ircline_copy(cfg->chans[cfg->nchans++], name, IRCLINE_CHAN_MAX);
	return 0;
}

int
botconf_add_words(struct botconf *cfg, const char *list, char *err, size_t errlen)
{
	struct moderate check;
	const char *p = list;

	/* moderate_add_word() is the judge of what a word may be. */
	moderate_init(&check);
	for (size_t i = 0; i < cfg->nwords; i++)
		moderate_add_word(&check, cfg->words[i]);
	for (;;) {
		char word[MODERATE_WORD_MAX];
		size_t len;

		p += strspn(p, ", \t");
		if ((len = strcspn(p, ", \t")) == 0)
			return 0;
		if (len >= sizeof(word))
			return fail(err, errlen, "banned word \"%.*s\" too long",
			    (int)(len > 32 ? 32 : len), p);
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		if (moderate_add_word(&check, word) == -1)
			return fail(err, errlen, "bad banned word \"%s\", or more than %d",
			    word, MODERATE_WORDS_MAX);
		ircline_copy(cfg->words[cfg->nwords++], word, MODERATE_WORD_MAX);
	}
}

static int
set_greeting(struct botconf *cfg, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= sizeof(cfg->greeting))
		return fail(err, errlen, "greeting longer than %d bytes",
		    BOTCONF_GREETING_MAX - 1);
	ircline_copy(cfg->greeting, val, sizeof(cfg->greeting));
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
apply_channels(struct botconf *cfg, char *list, char *err, size_t errlen)
{
	char *p = list;

	cfg->nchans = 0;
	while (*p != '\0') {
		size_t len;

		p += strspn(p, ", \t");
		if ((len = strcspn(p, ", \t")) == 0)
			break;
		if (p[len] != '\0')
			p[len++] = '\0';
		if (botconf_add_channel(cfg, p, err, errlen) == -1)
			return -1;
		p += len;
	}
	return 0;
}

static int
apply_key(struct botconf *cfg, const char *key, char *val, char *err, size_t errlen)
{
	if (strcmp(key, "nick") == 0) {
		if (!nick_is_valid(val))
			return fail(err, errlen, "bad nick \"%.32s\"", val);
		ircline_copy(cfg->nick, val, sizeof(cfg->nick));
		return 0;
	}
	if (strcmp(key, "channels") == 0)
		return apply_channels(cfg, val, err, errlen);
	if (strcmp(key, "greeting") == 0)
		return set_greeting(cfg, val, err, errlen);
	if (strcmp(key, "words") == 0) {
		cfg->nwords = 0;
		return botconf_add_words(cfg, val, err, errlen);
	}
	return fail(err, errlen, "unknown key \"%.32s\"", key);
}

int
botconf_parse_string(struct botconf *cfg, const char *text, char *err, size_t errlen)
{
	char line[1024], why[256];
	int lineno = 0;

	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		char *p, *eq;

		lineno++;
		if (len >= sizeof(line))
			return fail(err, errlen, "line %d: too long", lineno);
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		p = trim(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			continue;
		if ((eq = strchr(p, '=')) == NULL)
			return fail(err, errlen, "line %d: expected key = value", lineno);
		*eq = '\0';
		if (apply_key(cfg, trim(p), trim(eq + 1), why, sizeof(why)) == -1)
			return fail(err, errlen, "line %d: %s", lineno, why);
	}
	return 0;
}

static int
load_file(struct botconf *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text, why[256];
	size_t n;
	int r;

	if (f == NULL)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if ((text = malloc(BOTCONF_FILE_MAX + 1)) == NULL) {
		fclose(f);
		return fail(err, errlen, "out of memory");
	}
	n = fread(text, 1, BOTCONF_FILE_MAX + 1, f);
	fclose(f);
	text[n > BOTCONF_FILE_MAX ? BOTCONF_FILE_MAX : n] = '\0';
	if (n > BOTCONF_FILE_MAX)
		r = fail(why, sizeof(why), "larger than %d bytes", BOTCONF_FILE_MAX);
	else if (memchr(text, '\0', n) != NULL)
		r = fail(why, sizeof(why), "holds a NUL byte");
	else
		r = botconf_parse_string(cfg, text, why, sizeof(why));
	free(text);
	return r == -1 ? fail(err, errlen, "%s: %s", path, why) : 0;
}

static int
parse_port(struct botconf *cfg, const char *s, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < 1 || v > 65535)
		return fail(err, errlen, "bad port \"%.16s\"", s);
	snprintf(cfg->port, sizeof(cfg->port), "%ld", v);
	return 0;
}

/* The positional arguments: host port password [nick] [#channel...]. */
static int
apply_positional(struct botconf *cfg, int argc, char *const argv[], char *err,
    size_t errlen)
{
	int i = 3;

	if (argc < 3)
		return fail(err, errlen, "host, port and password are required");
	if (argv[0][0] == '\0' || strlen(argv[0]) >= sizeof(cfg->host))
		return fail(err, errlen, "bad host");
	ircline_copy(cfg->host, argv[0], sizeof(cfg->host));
	if (parse_port(cfg, argv[1], err, errlen) == -1)
		return -1;
	if (strlen(argv[2]) >= sizeof(cfg->password) || strpbrk(argv[2], " \r\n") != NULL)
		return fail(err, errlen, "bad password (spaces, or over %zu bytes)",
		    sizeof(cfg->password) - 1);
	ircline_copy(cfg->password, argv[2], sizeof(cfg->password));
	if (i < argc && !ircline_is_channel(argv[i])) {
		if (!nick_is_valid(argv[i]))
			return fail(err, errlen, "bad nick \"%.32s\"", argv[i]);
		ircline_copy(cfg->nick, argv[i++], sizeof(cfg->nick));
	}
	if (i < argc)
		cfg->nchans = 0;
	for (; i < argc; i++)
		if (botconf_add_channel(cfg, argv[i], err, errlen) == -1)
			return -1;
	return 0;
}

int
botconf_parse_args(struct botconf *cfg, int argc, char *const argv[], char *err,
    size_t errlen)
{
	const char *file = NULL, *greeting = NULL, *words = NULL;
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char **dst;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "-f") == 0)
			dst = &file;
		else if (strcmp(argv[i], "-g") == 0)
			dst = &greeting;
		else if (strcmp(argv[i], "-w") == 0)
			dst = &words;
		else
			return fail(err, errlen, "unknown option %.16s", argv[i]);
		if (i + 1 >= argc)
			return fail(err, errlen, "%s needs a value", argv[i]);
		*dst = argv[++i];
	}
	if (file != NULL && load_file(cfg, file, err, errlen) == -1)
		return -1;
	if (greeting != NULL && set_greeting(cfg, greeting, err, errlen) == -1)
		return -1;
	if (words != NULL) {
		cfg->nwords = 0;
		if (botconf_add_words(cfg, words, err, errlen) == -1)
			return -1;
	}
	return apply_positional(cfg, argc - i, argv + i, err, errlen);
}
