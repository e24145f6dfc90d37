/*
 * The lexical pieces of the configuration file format (conf/ircserv.conf)
 * and the checks of the values it holds. Pure functions: no allocation,
 * no I/O, no state. Only the configuration parser (config.c,
 * config_block.c) uses them.
 */
#ifndef IRCSERV_CONFIG_CHECK_H
#define IRCSERV_CONFIG_CHECK_H

#include <stdbool.h>

#define CONFIG_KIB              1024ull
#define CONFIG_MIB              (1024ull * 1024ull)
/* Longest oper host mask or flood_exempt / limit_exempt IP mask. */
#define CONFIG_MASK_MAX         128

/* s without leading and trailing blanks; trailing ones are cut in place. */
char   *config_trim(char *s);
/* Cut line at its comment: '#' at the start or after a blank. */
void    config_strip_comment(char *line);
/* The next blank-separated word of *s, NUL-terminated in place, or NULL. */
char   *config_next_word(char **s);
/*
 * Decimal digits, and with size an optional K or M (units of 1024), into
 * *out; too large a value becomes ULLONG_MAX. Returns 0, or -1 if s is
 * not a number.
 */
int     config_parse_number(const char *s, bool size, unsigned long long *out);

/* Numeric addresses, checked without <arpa/inet.h>. */
bool    config_ipv4_is_valid(const char *s);
bool    config_ipv6_is_valid(const char *s);
/* A host name with a dot: irc.example.net. */
bool    config_host_is_valid(const char *s);
/* A glob on a client's IP text: 127.0.0.1, 10.0.*, ::1. */
bool    config_ipmask_is_valid(const char *s);
/* A web origin (websocket_origins): scheme://host[:port], no path. */
bool    config_origin_is_valid(const char *s);
/* user@host, each side a glob: *@127.0.0.1. */
bool    config_usermask_is_valid(const char *s);
/* Oper and account names: what a nick may hold. */
bool    config_name_is_valid(const char *s);

#endif
