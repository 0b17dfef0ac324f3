/*
 * gost_sign_bench: one round of GOST R 34.10 signing or verifying in
 * OpenSSL 3's libcrypto with the "gost" ENGINE (Debian:
 * libengine-gost-openssl), the counterpart of bench/gostsign (certs/gost).
 * bench/gost-sign.sh alternates the two, round by round.
 *
 *   gost_sign_bench KEY.pem DIGEST.bin sign|verify N
 *
 * KEY.pem is a PKCS#8 private key under the Russian OIDs (GOST R 34.10-2012
 * 512-bit or GOST R 34.10-2001), DIGEST.bin the raw digest to sign (64 or
 * 32 bytes: for GOST the engine signs the digest as given). After checking
 * that a signature verifies and one over another digest does not, and a
 * warm-up of N/10 calls, it makes N calls of EVP_PKEY_sign (or
 * EVP_PKEY_verify of one signature) and times them in CPU time of the
 * process (clock_gettime(CLOCK_PROCESS_CPUTIME_ID): user and system, as
 * bench/gostsign reads it with getrusage), not wall time: a machine shared
 * with other work slows the clock, not the CPU time an operation takes.
 * Output, one line, for bench/gost-sign.sh to read:
 *
 *   sign   N ops  T s CPU  Y us/op
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

/* cpu is the CPU time the process has used, in seconds. */
static double cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        die("clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[3], "sign") != 0 && strcmp(argv[3], "verify") != 0)) {
        fprintf(stderr, "usage: %s KEY.pem DIGEST.bin sign|verify N\n", argv[0]);
        return 2;
    }
    void (*op)(void) = strcmp(argv[3], "sign") == 0 ? sign_once : verify_once;
    long n = atol(argv[4]);
    if (n <= 0) {
        fprintf(stderr, "gost_sign_bench: N must be a positive count, not %s\n", argv[4]);
        return 2;
    }

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

    /* Check that a signature verifies and a bad one does not. */
    if (EVP_PKEY_sign(sctx, sig, &siglen, digest, dlen) <= 0)
        die("EVP_PKEY_sign");
    if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) != 1)
        die("the engine does not verify its own signature");
    digest[0] ^= 1;
    if (EVP_PKEY_verify(vctx, sig, siglen, digest, dlen) == 1)
        die("the engine verifies a signature over another digest");
    digest[0] ^= 1;
    ERR_clear_error();

    for (long i = 0; i < n / 10 + 1; i++)
        op();
    double t0 = cpu();
    for (long i = 0; i < n; i++)
        op();
    double t = cpu() - t0;
    printf("%-6s %ld ops  %.3f s CPU  %.2f us/op\n", argv[3], n, t, t * 1e6 / (double)n);

    free(sig);
    EVP_PKEY_CTX_free(sctx);
    EVP_PKEY_CTX_free(vctx);
    EVP_PKEY_free(pkey);
    ENGINE_finish(e);
    ENGINE_free(e);
    return 0;
}
