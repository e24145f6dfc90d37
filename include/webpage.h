/*
 * The web page that chats over the WebSocket listener: src/web/index.html,
 * compiled in by the Makefile (build/<kind>/gen/webpage.c), so the binary
 * serves it with no file to install or find. conn.c sends it for GET /
 * when websocket_client is on.
 */
#ifndef IRCSERV_WEBPAGE_H
#define IRCSERV_WEBPAGE_H

#include <stddef.h>

extern const unsigned char webpage_html[];
extern const size_t webpage_html_len;

#endif
