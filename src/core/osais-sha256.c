/* osais-sha256.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisSha256"

#include <string.h>

#include "osais-sha256.h"

/* Each upload is hashed (its name and its identity in the history), and
 * GLib's portable SHA-256 costs about 3 ms for a 540 KB image on the
 * benchmark machine: half of the server's CPU time per upload. Where the
 * processor has the SHA extensions, they do it in about 0.35 ms, which is
 * what GnuTLS and OpenSSL use too; elsewhere GLib's stays. */

#if defined (__x86_64__) && defined (__GNUC__)
#define HAVE_SHA_NI 1
#endif

#ifdef HAVE_SHA_NI
#include <cpuid.h>
#include <immintrin.h>

static const guint32 sha256_k[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* The SHA-256 compression of @n_blocks 64-byte blocks into @state, with
 * the instructions' ABEF/CDGH register layout on the way in and out. */
__attribute__ ((target ("sha,sse4.1")))
static void
sha256_blocks_shani (guint32      state[8],
                     const guint8 *data,
                     gsize         n_blocks)
{
  const __m128i byte_swap = _mm_set_epi64x (0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_loadu_si128 ((const __m128i *) &state[0]);
  __m128i state1 = _mm_loadu_si128 ((const __m128i *) &state[4]);
  __m128i state0;

  tmp = _mm_shuffle_epi32 (tmp, 0xb1);                /* CDAB */
  state1 = _mm_shuffle_epi32 (state1, 0x1b);          /* EFGH */
  state0 = _mm_alignr_epi8 (tmp, state1, 8);          /* ABEF */
  state1 = _mm_blend_epi16 (state1, tmp, 0xf0);       /* CDGH */

  for (; n_blocks > 0; n_blocks--, data += 64)
    {
      __m128i abef = state0;
      __m128i cdgh = state1;
      __m128i w[4];

      /* Unrolled, so that the ring of four message vectors stays in registers. */
#pragma GCC unroll 16
      for (guint i = 0; i < 16; i++)
        {
          __m128i msg;

          if (i < 4)
            w[i] = _mm_shuffle_epi8 (_mm_loadu_si128 ((const __m128i *) (data + 16 * i)),
                                     byte_swap);
          else
            {
              /* w[t..t+3] from w[t-16..t-13], w[t-12..t-9], w[t-7..t-4]
               * and w[t-4..t-1], which the ring holds at i, i+1, i+2, i+3. */
              msg = _mm_sha256msg1_epu32 (w[i % 4], w[(i + 1) % 4]);
              msg = _mm_add_epi32 (msg, _mm_alignr_epi8 (w[(i + 3) % 4], w[(i + 2) % 4], 4));
              w[i % 4] = _mm_sha256msg2_epu32 (msg, w[(i + 3) % 4]);
            }

          msg = _mm_add_epi32 (w[i % 4], _mm_loadu_si128 ((const __m128i *) &sha256_k[4 * i]));
          state1 = _mm_sha256rnds2_epu32 (state1, state0, msg);
          state0 = _mm_sha256rnds2_epu32 (state0, state1, _mm_shuffle_epi32 (msg, 0x0e));
        }

      state0 = _mm_add_epi32 (state0, abef);
      state1 = _mm_add_epi32 (state1, cdgh);
    }

  tmp = _mm_shuffle_epi32 (state0, 0x1b);             /* FEBA */
  state1 = _mm_shuffle_epi32 (state1, 0xb1);          /* DCHG */
  state0 = _mm_blend_epi16 (tmp, state1, 0xf0);       /* DCBA */
  state1 = _mm_alignr_epi8 (state1, tmp, 8);          /* HGFE */
  _mm_storeu_si128 ((__m128i *) &state[0], state0);
  _mm_storeu_si128 ((__m128i *) &state[4], state1);
}

static char *
sha256_hex_shani (const guint8 *data,
                  gsize         length)
{
  guint32 state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  };
  guint8 tail[128] = { 0, };
  gsize n_full = length / 64;
  gsize rest = length % 64;
  gsize tail_length = rest < 56 ? 64 : 128;
  guint64 bits = (guint64) length * 8;
  char *hex = g_malloc (65);

  sha256_blocks_shani (state, data, n_full);

  /* The padding: 0x80, zeros, then the length in bits, big-endian. */
  memcpy (tail, data + n_full * 64, rest);
  tail[rest] = 0x80;
  for (guint i = 0; i < 8; i++)
    tail[tail_length - 1 - i] = (guint8) (bits >> (8 * i));
  sha256_blocks_shani (state, tail, tail_length / 64);

  for (guint i = 0; i < 8; i++)
    g_snprintf (hex + 8 * i, 9, "%08x", state[i]);

  return hex;
}

/* Asked of the processor itself: GCC's __builtin_cpu_supports ("sha") has
 * no equivalent in the clang of Debian 12. */
static gboolean
have_sha_instructions (void)
{
  static gsize checked = 0;
  static gboolean have = FALSE;

  if (g_once_init_enter (&checked))
    {
      unsigned int eax, ebx, ecx, edx;

      /* SSE4.1: leaf 1, ECX bit 19. SHA: leaf 7 subleaf 0, EBX bit 29. */
      have = __get_cpuid (1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 19)) != 0 &&
             __get_cpuid_count (7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29)) != 0;
      g_once_init_leave (&checked, 1);
    }
  return have;
}
#endif

char *
osais_sha256_hex (GBytes *data)
{
  g_return_val_if_fail (data != NULL, NULL);

#ifdef HAVE_SHA_NI
  if (have_sha_instructions ())
    {
      gsize length;
      const guint8 *bytes = g_bytes_get_data (data, &length);

      return sha256_hex_shani (bytes, length);
    }
#endif

  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
}

