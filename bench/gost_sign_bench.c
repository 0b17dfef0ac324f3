/*
 * gost_sign_bench: times GOST R 34.10 signing and verifying in OpenSSL 3's
 * libcrypto with the "gost" ENGINE (Debian: libengine-gost-openssl), the
 * counterpart of BenchmarkSign and BenchmarkVerify in certs/gost.
 *
 *   gost_sign_bench KEY.pem DIGEST.bin [SECONDS]
 *
 * KEY.pem is a PKCS#8 private key under the Russian OIDs (GOST R 34.10-2012
 * 512-bit or GOST R 34.10-2001), DIGEST.bin the raw digest to sign (64 or
 * 32 bytes: for GOST the engine signs the digest as given). Each operation
 * runs for at least SECONDS (default 2), after a warm-up call.
 * Output, one line per operation, for bench/gost-sign.sh to read:
 *
 *   sign   N ops  T s  X ops/s  Y us/op
 *   verify N ops  T s  X ops/s  Y us/op
 *
 * Build: gcc -O2 -Wall -Wno-deprecated-declarations gost_sign_bench.c -lcrypto
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

static void die(const char *what)
{
    fprintf(stderr, "gost_sign_bench: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *op, long n, double secs)
{
    printf("%-6s %ld ops  %.3f s  %.1f ops/s  %.2f us/op\n",
           op, n, secs, (double)n / secs, secs * 1e6 / (double)n);
}

/* The state one operation needs, shared by sign_once and verify_once. */
static EVP_PKEY_CTX *sctx, *vctx;
static unsigned char digest[128], *sig;
static size_t dlen, cap, siglen;

static void sign_once(void)
{
    size_t l = cap;
    if (EVP_PKEY_sign(sctx, sig, &l, digest, dlen) <= 0)
        die("EVP_PKEY_sign");
}

static void verify_once(void)
{
    if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) != 1)
        die("EVP_PKEY_verify");
}

/*
 * timed runs op in rounds until minSecs have passed, sizing each round from
 * the rate so far (as Go's testing package does), and returns the count of
 * calls and, in *secs, the time they took.
 */
static long timed(void (*op)(void), double minSecs, double *secs)
{
    long n = 0, round = 1;
    double t0 = now(), el = 0;
    for (;;) {
        for (long i = 0; i < round; i++)
            op();
        n += round;
        el = now() - t0;
        if (el >= minSecs)
            break;
        double rate = (double)n / (el > 1e-9 ? el : 1e-9);
        long want = (long)(rate * (minSecs - el) * 1.05) + 1;
        round = want < 100 * n ? want : 100 * n;
    }
    *secs = el;
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s KEY.pem DIGEST.bin [SECONDS]\n", argv[0]);
        return 2;
    }
    double minSecs = argc == 4 ? atof(argv[3]) : 2.0;
    if (minSecs <= 0)
        minSecs = 2.0;

    ENGINE *e = ENGINE_by_id("gost");
    if (e == NULL)
        die("no \"gost\" engine (apt-get install libengine-gost-openssl)");
    if (!ENGINE_init(e))
        die("ENGINE_init(gost)");
    /* The engine's ASN.1 methods are needed to decode the Russian OIDs. */
    if (!ENGINE_set_default(e, ENGINE_METHOD_ALL))
        die("ENGINE_set_default(gost)");

    FILE *f = fopen(argv[1], "r");
    if (f == NULL)
        die("cannot open the key");
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (pkey == NULL)
        die("cannot read the private key");

    f = fopen(argv[2], "rb");
    if (f == NULL)
        die("cannot open the digest");
    dlen = fread(digest, 1, sizeof digest, f);
    fclose(f);
    if (dlen != 32 && dlen != 64)
        die("the digest must be 32 or 64 bytes");

    sctx = EVP_PKEY_CTX_new(pkey, e);
    if (sctx == NULL || EVP_PKEY_sign_init(sctx) <= 0)
        die("EVP_PKEY_sign_init");
    vctx = EVP_PKEY_CTX_new(pkey, e);
    if (vctx == NULL || EVP_PKEY_verify_init(vctx) <= 0)
        die("EVP_PKEY_verify_init");

    cap = 0;
    if (EVP_PKEY_sign(sctx, NULL, &cap, digest, dlen) <= 0 || cap == 0)
        die("EVP_PKEY_sign (length)");
    sig = malloc(cap);
    siglen = cap;
    if (sig == NULL)
        die("out of memory");

    /* Warm up, and check that a signature verifies and a bad one does not. */
    if (EVP_PKEY_sign(sctx, sig, &siglen, digest, dlen) <= 0)
        die("EVP_PKEY_sign");
    if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) != 1)
        die("the engine does not verify its own signature");
    digest[0] ^= 1;
    if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) == 1)
        die("the engine verifies a signature over another digest");
    digest[0] ^= 1;
    ERR_clear_error();

    double secs;
    long n = timed(sign_once, minSecs, &secs);
    report("sign", n, secs);
    n = timed(verify_once, minSecs, &secs);
    report("verify", n, secs);

    free(sig);
    EVP_PKEY_CTX_free(sctx);
    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_free(pkey);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
