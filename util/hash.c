/*
** Byte hashing for interning and fact sets: 8 bytes at a time through the
** 64-bit mixer. Not cryptographic; hash tables must not assume it resists
** an attacker, so they bound their probe work by their load factor.
*/
#include <string.h>

#include "util/bx.h"

uint64_t bx_hash_bytes(const void *p, size_t n, uint64_t seed) {
  const unsigned char *s = p;
  uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = bx_hash_mix(h, w);
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  if (n)
    memcpy(&w, s, n);
  return bx_hash_mix(h, w ^ ((uint64_t)n << 56));
}
