/* Facet counts over packed bitsets in one pass (engines/embedded/popcounts.py builds and loads this).
 *
 * counts[v] = popcount(bits[v] & hits) for each bitset v: numpy needs three passes for this (an AND
 * into a scratch, a popcount into bytes, a sum that widens every byte), this reads each word once.
 * Built with -march=native where the server runs, so the popcount loop vectorises (AVX-512's
 * VPOPCNTQ where the processor has it).
 */
#include <stddef.h>
#include <stdint.h>

/* Words per block: a block of ``hits`` (16 KB) stays in the L1 cache while every bitset reads it. */
#define BLOCK 2048

/* ``bits``: ``values`` bitsets, bitset v at ``bits + v * stride``, each at least ``words`` long. */
void popcounts_and(const uint64_t *bits, size_t values, size_t stride, const uint64_t *hits, size_t words,
                   uint64_t *counts) {
    for (size_t v = 0; v < values; v++) counts[v] = 0;
    for (size_t start = 0; start < words; start += BLOCK) {
        size_t end = start + BLOCK < words ? start + BLOCK : words;
        for (size_t v = 0; v < values; v++) {
            const uint64_t *row = bits + v * stride;
            uint64_t count = 0;
            for (size_t w = start; w < end; w++) count += (uint64_t)__builtin_popcountll(row[w] & hits[w]);
            counts[v] += count;
        }
    }
}

/* The same over the ``n`` words at ``at`` only, ``held[i]`` being the hits' word at ``at[i]``: for a
 * set whose rows lie in few words (a radius, a rare need). */
void popcounts_and_at(const uint64_t *bits, size_t values, size_t stride, const int64_t *at, const uint64_t *held,
                      size_t n, uint64_t *counts) {
    for (size_t v = 0; v < values; v++) {
        const uint64_t *row = bits + v * stride;
        uint64_t count = 0;
        for (size_t i = 0; i < n; i++) count += (uint64_t)__builtin_popcountll(row[at[i]] & held[i]);
        counts[v] = count;
    }
}

/* The set of rows whose code the table marks: bit r of ``words`` is ``table[codes[r]]`` for r < n (a
 * code outside the table marks nothing). One pass over the codes, where numpy indexes the table into
 * a mask and packs that. */
void pack_codes_in(const int32_t *codes, size_t n, const uint8_t *table, size_t table_len, uint64_t *words) {
    size_t w = 0;
    for (; (w + 1) * 64 <= n; w++) {
        const int32_t *word_codes = codes + w * 64;
        uint64_t bits = 0;
        for (unsigned j = 0; j < 64; j++) {
            uint32_t code = (uint32_t)word_codes[j];
            bits |= (uint64_t)(code < table_len ? table[code] != 0 : 0) << j;
        }
        words[w] = bits;
    }
    if (w * 64 < n) {
        uint64_t bits = 0;
        for (size_t row = w * 64; row < n; row++) {
            uint32_t code = (uint32_t)codes[row];
            bits |= (uint64_t)(code < table_len ? table[code] != 0 : 0) << (row - w * 64);
        }
        words[w] = bits;
    }
}
