/*
** A quick check of the evaluator against the official samples: each
** block's `code` (third-party blocks signed by their `external_key`) and
** the `authorizer_code` are parsed, authorized under the default limits
** (time relaxed for sanitizer builds), and the verdict, the failed checks
** and the world dump are compared with samples.json. Cases decided by
** signatures alone (world null) are left to the token layer's runner.
** Integers are read as reals: jansson's json_int_t cannot hold the
** authorizer's origin 18446744073709551615.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "datalog/print.h"
#include "datalog/world.h"
#include "parser/parser.h"
#include "test.h"
#include "test_util.h"

#define MAX_BLOCKS 16

/* test035's host function (reference-behaviour.md §5). */
static biscuit_status ext_test(void *ud, const char *name, const bdl_term *recv,
                               const bdl_term *arg, bdl_env *env, bdl_term *out,
                               bx_diag *d) {
  (void)ud;
  if (strcmp(name, "test") != 0)
    return BISCUIT_E_MISUSE;
  if (!arg) {
    *out = *recv;
    return BISCUIT_OK;
  }
  if (recv->kind != BDL_STR || arg->kind != BDL_STR)
    return bx_fail(d, BISCUIT_E_EXECUTION, "ExternEvalError",
                   "expected two strings");
  const char *s = recv->id == arg->id ? "equal strings" : "different strings";
  return bdl_make_str(env, s, strlen(s), out);
}

struct sample {
  const char *name;
  bdl_env *env;
  bdl_block blocks[MAX_BLOCKS], auth;
  uint32_t signer[MAX_BLOCKS];
  size_t n_blocks;
};

static bool parse_into(bdl_env *env, const char *src, bpa_kind kind,
                       bdl_block *b) {
  bx_diag d;
  bx_diag_clear(&d);
  bdl_block_init(b);
  if (bpa_parse(env, src, strlen(src), kind, NULL, b, &d) == BISCUIT_OK)
    return true;
  fprintf(stderr, "parse error %u:%u %s in:\n%s\n", d.line, d.column, d.msg,
          src);
  return false;
}

/*
** test018's block holds a rule the parser refuses (as Rust's does: the
** token carried it in protobuf). To load it anyway, each rule line gets
** a first body predicate zzfix($head vars...), dropped after parsing.
*/
static bool parse_unbound(bdl_env *env, const char *src, bdl_block *b) {
  bx_buf out;
  bx_buf_init(&out, 0);
  for (const char *line = src; *line;) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
    const char *arrow = strstr(line, " <- ");
    if (arrow && arrow < line + n) {
      bx_buf_add(&out, line, (size_t)(arrow - line) + 4);
      bx_buf_puts(&out, "zzfix(");
      const char *sep = "";
      for (const char *c = line; c < arrow; c++) {
        if (*c != '$')
          continue;
        size_t k = strspn(c + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
        bx_buf_printf(&out, "%s%.*s", sep, (int)k + 1, c);
        sep = ", ";
      }
      bx_buf_puts(&out, "), ");
      bx_buf_add(&out, arrow + 4, n - (size_t)(arrow - line) - 4);
    } else {
      bx_buf_add(&out, line, n);
    }
    line += n;
  }
  bool ok = out.data && parse_into(env, out.data, BPA_BLOCK, b);
  bx_buf_free(&out);
  uint32_t fix = bdl_symtab_find(env->syms, "zzfix", 5);
  for (uint32_t i = 0; ok && i < b->n_rules; i++) {
    bdl_rule *r = &b->rules[i];
    if (r->n_body && r->body[0].name == fix) {
      r->body++;
      r->n_body--;
    }
  }
  return ok;
}

static bool load_blocks(struct sample *s, json_t *token) {
  s->n_blocks = json_array_size(token);
  if (s->n_blocks > MAX_BLOCKS)
    return false;
  for (size_t i = 0; i < s->n_blocks; i++) {
    json_t *blk = json_array_get(token, i);
    const char *code = json_string_value(json_object_get(blk, "code"));
    const char *ext = json_string_value(json_object_get(blk, "external_key"));
    s->signer[i] =
        ext ? bdl_symtab_intern(s->env->keys, ext, strlen(ext)) : BDL_NOSYM;
    if (!code)
      return false;
    if (strstr(s->name, "unbound_variables")
            ? !parse_unbound(s->env, code, &s->blocks[i])
            : !parse_into(s->env, code, BPA_BLOCK, &s->blocks[i]))
      return false;
  }
  return true;
}

static char *print_check(const bdl_env *env, const bdl_check *c) {
  bx_buf b;
  bx_buf_init(&b, 0);
  bdl_print_check(&b, env, c);
  return bx_buf_take(&b);
}

/* One expected failed check against ours. */
static bool same_check(const bdl_env *env, json_t *want,
                       const bdl_failed_check *got) {
  json_t *blk = json_object_get(want, "Block");
  json_t *inner = blk ? blk : json_object_get(want, "Authorizer");
  uint32_t want_block =
      blk ? (uint32_t)json_number_value(json_object_get(blk, "block_id"))
          : BDL_AUTHORIZER_ID;
  uint32_t want_id =
      (uint32_t)json_number_value(json_object_get(inner, "check_id"));
  const char *rule = json_string_value(json_object_get(inner, "rule"));
  char *text = print_check(env, got->check);
  bool ok = got->block_id == want_block && got->check_index == want_id &&
            rule && text && strcmp(rule, text) == 0;
  if (!ok)
    fprintf(stderr, "  check: want %u/%u %s\n         got  %u/%u %s\n",
            want_block, want_id, rule ? rule : "?", got->block_id,
            got->check_index, text ? text : "?");
  bx_free(text);
  return ok;
}

/* Compare our verdict with the sample's `result` object. */
static bool same_result(const struct sample *s, json_t *want, biscuit_status st,
                        const bdl_result *r, const bx_diag *d) {
  json_t *ok = json_object_get(want, "Ok");
  if (ok)
    return st == BISCUIT_OK &&
           r->policy_index == (uint32_t)json_number_value(ok);
  json_t *err = json_object_get(want, "Err");
  json_t *exec = json_object_get(err, "Execution");
  if (exec)
    return st == BISCUIT_E_EXECUTION && d->tag &&
           strcmp(d->tag, json_string_value(exec)) == 0;
  json_t *logic = json_object_get(err, "FailedLogic");
  json_t *un = json_object_get(logic, "Unauthorized");
  json_t *nm = json_object_get(logic, "NoMatchingPolicy");
  if (st != BISCUIT_DENIED || (!un && !nm))
    return false;
  if (un) {
    json_t *pol = json_object_get(un, "policy");
    json_t *allow = json_object_get(pol, "Allow");
    json_t *deny = json_object_get(pol, "Deny");
    int kind = allow ? BDL_ALLOW : BDL_DENY;
    json_t *idx = allow ? allow : deny;
    if (r->policy_kind != kind ||
        r->policy_index != (uint32_t)json_number_value(idx))
      return false;
  } else if (r->policy_kind != -1) {
    return false;
  }
  json_t *checks = json_object_get(un ? un : nm, "checks");
  if (json_array_size(checks) != r->n_failed)
    return false;
  bool same = true;
  for (size_t i = 0; i < r->n_failed; i++)
    same = same_check(s->env, json_array_get(checks, i), &r->failed[i]) && same;
  return same;
}

static bool same_world(const bdl_world *w, json_t *want) {
  bx_buf b;
  bx_buf_init(&b, 0);
  bool ok = false;
  if (bdl_world_dump_json(w, &b) == BISCUIT_OK) {
    json_t *got = json_loads(b.data, JSON_DECODE_INT_AS_REAL, NULL);
    ok = got && json_equal(got, want);
    if (!ok) {
      char *ws = json_dumps(want, JSON_COMPACT);
      fprintf(stderr, "  world: want %s\n         got  %s\n", ws, b.data);
      free(ws);
    }
    json_decref(got);
  }
  bx_buf_free(&b);
  return ok;
}

/* test018: the block is refused at load with the printed rule. */
static bool invalid_rule(json_t *want, biscuit_status st, const bx_diag *d) {
  json_t *logic = json_object_get(json_object_get(want, "Err"), "FailedLogic");
  json_t *ibr = json_object_get(logic, "InvalidBlockRule");
  const char *rule = json_string_value(json_array_get(ibr, 1));
  return ibr && st == BISCUIT_E_LOGIC && rule &&
         strcmp(d->tag, "InvalidBlockRule") == 0 && strcmp(d->msg, rule) == 0;
}

/* One validation; returns whether everything matched. */
static bool run_validation(struct sample *s, json_t *v) {
  json_t *want_world = json_object_get(v, "world");
  json_t *want = json_object_get(v, "result");
  const char *acode = json_string_value(json_object_get(v, "authorizer_code"));
  bdl_world *w = bdl_world_new(s->env);
  bdl_world_set_extern(w, ext_test, NULL);
  bx_diag d;
  bx_diag_clear(&d);
  biscuit_status st = BISCUIT_OK;
  for (size_t i = 0; i < s->n_blocks && st == BISCUIT_OK; i++)
    st = bdl_world_add_block(w, (uint32_t)i, &s->blocks[i], s->signer[i], &d);
  bool ok;
  if (st != BISCUIT_OK) {
    ok = invalid_rule(want, st, &d);
  } else if (!parse_into(s->env, acode ? acode : "", BPA_AUTHORIZER,
                         &s->auth)) {
    ok = false;
  } else {
    bdl_limits l;
    bdl_limits_default(&l);
    l.max_time_ns = 1000000000; /* sanitizers; limits are tested apart */
    st = bdl_world_add_block(w, BDL_AUTHORIZER_ID, &s->auth, BDL_NOSYM, &d);
    bdl_result r;
    memset(&r, 0, sizeof r);
    if (st == BISCUIT_OK)
      st = bdl_world_authorize(w, &l, &r, &d);
    ok = same_result(s, want, st, &r, &d);
    if (!ok)
      fprintf(stderr, "  result: status %d tag %s msg %s\n", st,
              d.tag ? d.tag : "-", d.msg);
    ok = same_world(w, want_world) && ok;
    bdl_result_free(&r);
  }
  bdl_world_free(w);
  bdl_block_free(&s->auth);
  bdl_block_init(&s->auth);
  return ok;
}

static void run_case(json_t *tc, int *n_ok, int *n_all) {
  struct sample s;
  memset(&s, 0, sizeof s);
  s.name = json_string_value(json_object_get(tc, "filename"));
  s.env = bdl_env_new(NULL);
  bool loaded = load_blocks(&s, json_object_get(tc, "token"));
  const char *key;
  json_t *v;
  json_object_foreach(json_object_get(tc, "validations"), key, v) {
    json_t *res = json_object_get(v, "result");
    bool token_level =
        json_is_null(json_object_get(v, "world")) &&
        !json_object_get(
            json_object_get(json_object_get(res, "Err"), "FailedLogic"),
            "InvalidBlockRule");
    if (token_level)
      continue;
    (*n_all)++;
    bool ok = loaded && run_validation(&s, v);
    if (!ok)
      fprintf(stderr, "MISMATCH %s [%s]\n", s.name, key);
    *n_ok += ok;
    CHECK(ok);
  }
  for (size_t i = 0; i < MAX_BLOCKS; i++)
    bdl_block_free(&s.blocks[i]);
  bdl_env_free(s.env);
}

int main(void) {
  json_t *root = samples_load(NULL);
  CHECK(root != NULL);
  int n_ok = 0, n_all = 0;
  size_t i;
  json_t *tc;
  json_array_foreach(json_object_get(root, "testcases"), i, tc)
      run_case(tc, &n_ok, &n_all);
  printf("samples: %d of %d validations match\n", n_ok, n_all);
  CHECK(n_all == 45);
  json_decref(root);
  CHECK(bx_alloc_live() == 0);
  TEST_DONE();
}
