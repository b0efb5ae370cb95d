/*
** parser/ internals: the token helpers (lex.c) called from the flex rules
** in lexer.l. Each returns the token kind to hand to the grammar, or
** BPA_T_BPA_YYerror after recording an error in the context (bison then
** stops without a message of its own).
*/
#ifndef BISCUIT_PARSER_LEX_INT_H
#define BISCUIT_PARSER_LEX_INT_H

#include "parser/parse_int.h"
/* The generated grammar header (build dir: generated/parser/). */
#include "parser/grammar.h"

#define BPA_LEX_ERROR BPA_T_BPA_YYerror

/* Every token helper takes the match (s, n) and fills lval and loc. */
#define BPA_LEX_FN(name)                                                       \
  int name(bpa_ctx *c, const char *s, size_t n, BPA_YYSTYPE *lval, bpa_loc *loc)
BPA_LEX_FN(bpa_lex_ident);
BPA_LEX_FN(bpa_lex_string);
BPA_LEX_FN(bpa_lex_date);
BPA_LEX_FN(bpa_lex_int);
BPA_LEX_FN(bpa_lex_key);
BPA_LEX_FN(bpa_lex_param);
BPA_LEX_FN(bpa_lex_var);
BPA_LEX_FN(bpa_lex_open);
BPA_LEX_FN(bpa_lex_close);
BPA_LEX_FN(bpa_lex_bad);
int bpa_lex_unterminated(bpa_ctx *c, bpa_loc *loc, const char *what);
/* True if the byte after the current match continues a name. */
bool bpa_lex_word_goes_on(const bpa_ctx *c);

#endif
