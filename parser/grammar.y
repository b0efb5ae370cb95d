/*
** The Datalog grammar: spec "Grammar" (SPECIFICATIONS.md) plus what the
** reference parser (biscuit-parser/src/parser.rs) accepts.
**
** There is no AST. Actions are one builder call each (terms.c, expr.c,
** rules.c). Expressions are emitted in postfix order as they reduce, so
** an expression's semantic value is just the index of its first op on
** the op stack; lazy operators, try_or and closures wrap a tail of that
** stack. Predicates leave their terms on the term stack until a
** statement consumes them. All builder state lives in the bpa_ctx.
**
** Expression levels, loosest first (parser.rs expr..expr9): || , && ,
** comparisons (not associative), ^ , | , & , + - , * / , ! , methods.
** The operand of `!` is parsed at the + - level, as the reference does,
** so `!a + b` is `!(a + b)`: the %precedence lines below resolve the two
** conflicts this creates (after `!a`, on + - * /) in favour of the longer
** operand. There are no other conflicts (%expect 0).
*/
%code requires {
#include "parser/parse_int.h"
}

%code provides {
/* The flex scanner (lexer.l renames its yylex to this). */
int bpa_scan(BPA_YYSTYPE *lval, bpa_loc *lloc, void *scanner);
}

%code {
static int bpa_yylex(BPA_YYSTYPE *lval, bpa_loc *lloc, bpa_ctx *ctx);
static void bpa_yyerror(const bpa_loc *loc, bpa_ctx *ctx, const char *msg);
/* Parser stacks go through the library allocator; the depth limit is
   enforced by bpa_enter and the lexer long before this one. */
#define YYMALLOC bx_malloc
#define YYFREE bx_free
#define YYMAXDEPTH 1000000
/* Every action is one builder call; a non-zero return stops the parse
   (the builder has recorded the error in ctx). */
#define TRY(call)                                                           \
  do {                                                                      \
    if ((call) != 0)                                                        \
      YYABORT;                                                              \
  } while (0)
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                         \
  do {                                                                      \
    if (N) {                                                                \
      (Cur).start = YYRHSLOC(Rhs, 1).start;                                 \
      (Cur).end = YYRHSLOC(Rhs, N).end;                                     \
    } else {                                                                \
      (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                       \
    }                                                                       \
  } while (0)
}

%define api.pure full
%define api.prefix {bpa_yy}
%define api.token.prefix {BPA_T_}
%define api.location.type {bpa_loc}
%define parse.error custom
%define parse.lac full
%locations
%param {bpa_ctx *ctx}
%expect 0

%union {
  bpa_tok tok;
  uint64_t u64;
  uint32_t ix;
  int op;
  bdl_term term;
  bpa_predv pred;
  bdl_rule rule;
}

%token END 0 "end of input"
%token START_BLOCK START_AUTHORIZER START_FACT START_RULE START_CHECK
%token START_POLICY START_RELAXED
%token <tok> NAME "name" VAR "variable" STRING "string" PARAM "parameter"
%token <tok> BYTES "byte string" PUBKEY "public key"
%token <u64> INT "integer" DATE "date"
%token TRUE "true" FALSE "false" NUL "null"
%token CHECK_IF "check if" CHECK_ALL "check all" REJECT_IF "reject if"
%token ALLOW_IF "allow if" DENY_IF "deny if" OR "or" TRUSTING "trusting"
%token ARROW "<-" LAMBDA "->" OROR "||" ANDAND "&&"
%token LE "<=" GE ">=" SEQ "===" SNE "!==" EQ "==" NE "!="

%precedence ADD_UNIT
%precedence '!'
%precedence '+' '-'
%precedence '*' '/'

%type <term> term lit cterm mkey
%type <ix> pterms citems mitems
%type <ix> expr or_e and_e cmp_e xor_e bor_e band_e add_e mul_e un_e
%type <ix> meth_e prim
%type <op> cmpop
%type <pred> pred
%type <rule> body

%%

start
  : START_BLOCK block_scope stmts
  | START_AUTHORIZER block_scope stmts
  | START_FACT fact opt_semi
  | START_RULE rule opt_semi
  | START_CHECK check opt_semi
  | START_POLICY policy opt_semi
  | START_RELAXED block_scope stmts last_stmt
  ;

/* bpa_parse_relaxed: the last ';' may be missing (parser.rs sep). */
last_stmt
  : %empty
  | stmt
  ;

opt_semi
  : %empty
  | ';'
  ;

block_scope
  : %empty
  | TRUSTING scopes ';'     { TRY(bpa_block_scopes(ctx)); }
  ;

stmts
  : %empty
  | stmts stmt ';'
  ;

stmt
  : fact
  | rule
  | check
  | policy
  ;

fact
  : pred                    { TRY(bpa_fact(ctx, &$1)); }
  ;

rule
  : pred "<-" body          { TRY(bpa_rule(ctx, &$1, &$3)); }
  ;

check
  : "check if" queries      { TRY(bpa_check(ctx, BDL_CHECK_IF, @1)); }
  | "check all" queries     { TRY(bpa_check(ctx, BDL_CHECK_ALL, @1)); }
  | "reject if" queries     { TRY(bpa_check(ctx, BDL_REJECT_IF, @1)); }
  ;

policy
  : "allow if" queries      { TRY(bpa_policy(ctx, BDL_ALLOW, @1)); }
  | "deny if" queries       { TRY(bpa_policy(ctx, BDL_DENY, @1)); }
  ;

queries
  : body                    { TRY(bpa_query(ctx, &$1, @1)); }
  | queries "or" body       { TRY(bpa_query(ctx, &$3, @3)); }
  ;

body
  : elems                   { TRY(bpa_body(ctx, &$$)); }
  | elems "trusting" scopes { TRY(bpa_body(ctx, &$$)); }
  ;

elems
  : elem
  | elems ',' elem
  ;

elem
  : pred                    { TRY(bpa_body_pred(ctx, &$1)); }
  | expr                    { TRY(bpa_body_expr(ctx, $1, @1)); }
  ;

scopes
  : scope
  | scopes ',' scope
  ;

scope
  : NAME                    { TRY(bpa_scope_name(ctx, $1, @1)); }
  | PUBKEY                  { TRY(bpa_scope_key(ctx, $1, @1)); }
  | PARAM                   { TRY(bpa_scope_param(ctx, $1, @1)); }
  ;

pred
  : NAME '(' ')'            { TRY(bpa_pred(ctx, $1, BPA_NONE, @$, &$$)); }
  | NAME '(' pterms ')'     { TRY(bpa_pred(ctx, $1, $3, @$, &$$)); }
  ;

pterms
  : term                    { TRY(bpa_push_term(ctx, &$1, @1.start, &$$)); }
  | pterms ',' term
      { $$ = $1; TRY(bpa_push_term(ctx, &$3, @3.start, NULL)); }
  ;

/* ------------------------------------------------------------ expressions */

expr
  : or_e
  ;

or_e
  : and_e
  | or_e "||" and_e
      { $$ = $1; TRY(bpa_lazy(ctx, $3, BDL_B_LAZY_OR, @2)); }
  ;

and_e
  : cmp_e
  | and_e "&&" cmp_e
      { $$ = $1; TRY(bpa_lazy(ctx, $3, BDL_B_LAZY_AND, @2)); }
  ;

/* The third form only exists to say why `a < b < c` is refused. */
cmp_e
  : xor_e
  | xor_e cmpop xor_e       { $$ = $1; TRY(bpa_binary(ctx, $2, @2)); }
  | xor_e cmpop xor_e cmpop { $$ = $1; TRY(bpa_nonassoc(ctx, @4)); }
  ;

cmpop
  : '<'                     { $$ = BDL_B_LT; }
  | '>'                     { $$ = BDL_B_GT; }
  | "<="                    { $$ = BDL_B_LE; }
  | ">="                    { $$ = BDL_B_GE; }
  | "==="                   { $$ = BDL_B_EQ; }
  | "!=="                   { $$ = BDL_B_NEQ; }
  | "=="                    { $$ = BDL_B_HEQ; }
  | "!="                    { $$ = BDL_B_HNEQ; }
  ;

xor_e
  : bor_e
  | xor_e '^' bor_e
      { $$ = $1; TRY(bpa_binary(ctx, BDL_B_BITXOR, @2)); }
  ;

bor_e
  : band_e
  | bor_e '|' band_e
      { $$ = $1; TRY(bpa_binary(ctx, BDL_B_BITOR, @2)); }
  ;

band_e
  : add_e
  | band_e '&' add_e
      { $$ = $1; TRY(bpa_binary(ctx, BDL_B_BITAND, @2)); }
  ;

add_e
  : mul_e %prec ADD_UNIT
  | add_e '+' mul_e         { $$ = $1; TRY(bpa_binary(ctx, BDL_B_ADD, @2)); }
  | add_e '-' mul_e         { $$ = $1; TRY(bpa_binary(ctx, BDL_B_SUB, @2)); }
  ;

mul_e
  : un_e
  | mul_e '*' un_e          { $$ = $1; TRY(bpa_binary(ctx, BDL_B_MUL, @2)); }
  | mul_e '/' un_e          { $$ = $1; TRY(bpa_binary(ctx, BDL_B_DIV, @2)); }
  ;

un_e
  : '!' { TRY(bpa_enter(ctx, @1)); } add_e %prec '!'
      { $$ = $3; bpa_leave(ctx); TRY(bpa_unary(ctx, BDL_U_NEGATE, @1)); }
  | meth_e
  ;

meth_e
  : prim
  | meth_e '.' NAME '(' ')'
      { $$ = $1; TRY(bpa_method(ctx, $3, $1, BPA_NONE, NULL, @3)); }
  | meth_e '.' NAME '(' expr ')'
      { $$ = $1; TRY(bpa_method(ctx, $3, $1, $5, NULL, @3)); }
  | meth_e '.' NAME '(' VAR "->" expr ')'
      { $$ = $1; TRY(bpa_method(ctx, $3, $1, $7, &$5, @3)); }
  ;

prim
  : term                    { TRY(bpa_value(ctx, &$1, @1, &$$)); }
  | '(' expr ')'            { $$ = $2; TRY(bpa_unary(ctx, BDL_U_PARENS, @1)); }
  ;

/* ------------------------------------------------------------------ terms */

term
  : lit
  | STRING                  { TRY(bpa_term_str(ctx, $1, &$$)); }
  | VAR                     { TRY(bpa_term_var(ctx, $1, &$$)); }
  ;

lit
  : INT                     { TRY(bpa_term_int(ctx, $1, false, @1, &$$)); }
  | '-' INT                 { TRY(bpa_neg_int(ctx, @1, @2, $2, &$$)); }
  | DATE                    { $$ = bdl_date($1); }
  | BYTES                   { TRY(bpa_term_bytes(ctx, $1, @1, &$$)); }
  | TRUE                    { $$ = bdl_bool(true); }
  | FALSE                   { $$ = bdl_bool(false); }
  | NUL                     { $$ = bdl_null(); }
  | PARAM                   { TRY(bpa_term_param(ctx, $1, @1, false, &$$)); }
  | '[' ']'                 { TRY(bpa_empty(ctx, BDL_ARRAY, @$, &$$)); }
  | '[' citems ']'          { TRY(bpa_array(ctx, $2, @$, &$$)); }
  | '{' '}'                 { TRY(bpa_empty(ctx, BDL_MAP, @$, &$$)); }
  | '{' ',' '}'             { TRY(bpa_empty(ctx, BDL_SET, @$, &$$)); }
  | '{' citems '}'          { TRY(bpa_set(ctx, $2, @$, &$$)); }
  | '{' mitems '}'          { TRY(bpa_map(ctx, $2, @$, &$$)); }
  ;

/* Collection elements: strings stay pending (uninterned) until the
   collection closes, so they are interned in the reference's order. */
citems
  : cterm                   { TRY(bpa_push_term(ctx, &$1, @1.start, &$$)); }
  | citems ',' cterm
      { $$ = $1; TRY(bpa_push_term(ctx, &$3, @3.start, NULL)); }
  ;

cterm
  : lit
  | STRING                  { TRY(bpa_term_pending(ctx, $1, &$$)); }
  | VAR                     { TRY(bpa_term_var(ctx, $1, &$$)); }
  ;

mitems
  : mkey ':' cterm          { TRY(bpa_push_pair(ctx, &$1, @1, &$3, @3, &$$)); }
  | mitems ',' mkey ':' cterm
      { $$ = $1; TRY(bpa_push_pair(ctx, &$3, @3, &$5, @5, NULL)); }
  ;

mkey
  : STRING                  { TRY(bpa_term_pending(ctx, $1, &$$)); }
  | INT                     { TRY(bpa_term_int(ctx, $1, false, @1, &$$)); }
  | '-' INT                 { TRY(bpa_neg_int(ctx, @1, @2, $2, &$$)); }
  | PARAM                   { TRY(bpa_term_param(ctx, $1, @1, true, &$$)); }
  ;

%%

/* Token kinds after which `or` and `trusting` are keywords (lex.c). */
static bool ends_operand(int t) {
  switch (t) {
  case ')': case ']': case '}': case BPA_T_STRING: case BPA_T_INT:
  case BPA_T_DATE: case BPA_T_BYTES: case BPA_T_TRUE: case BPA_T_FALSE:
  case BPA_T_NUL: case BPA_T_VAR: case BPA_T_PARAM: case BPA_T_NAME:
  case BPA_T_PUBKEY:
    return true;
  default:
    return false;
  }
}

/*
** The token source: first the synthetic token that picks the start rule
** (bpa_kind), then the scanner. Remembers the last two token locations
** for messages and what the last token was, for contextual keywords.
*/
static int bpa_yylex(BPA_YYSTYPE *lval, bpa_loc *lloc, bpa_ctx *ctx) {
  int t;
  if (ctx->start_tok) {
    t = ctx->start_tok;
    ctx->start_tok = 0;
    lloc->start = lloc->end = 0;
  } else {
    t = bpa_scan(lval, lloc, ctx->scanner);
  }
  ctx->tok_loc[0] = ctx->tok_loc[1];
  ctx->tok_loc[1] = *lloc;
  ctx->last_tok = t;
  ctx->after_operand = ends_operand(t);
  return t;
}

/* Bison calls this only when its stacks cannot grow: out of memory. */
static void bpa_yyerror(const bpa_loc *loc, bpa_ctx *ctx, const char *msg) {
  (void)msg;
  bpa_fail_status(ctx, loc->start, BISCUIT_E_NOMEM);
}

/* Our own wording for syntax errors (diag.c); names come from %token. */
static int yyreport_syntax_error(const yypcontext_t *yc, bpa_ctx *ctx) {
  yysymbol_kind_t exp[YYNTOKENS];
  const char *names[YYNTOKENS];
  int n = yypcontext_expected_tokens(yc, exp, YYNTOKENS);
  if (n < 0)
    return n;
  for (int i = 0; i < n; i++)
    names[i] = yysymbol_name(exp[i]);
  yysymbol_kind_t la = yypcontext_token(yc);
  bpa_syntax_error(ctx, yysymbol_name(la), *yypcontext_location(yc), names,
                   n);
  return 0;
}
