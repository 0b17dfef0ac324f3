/*
 * cms_bench: one round of CMS SignedData signing or verifying in OpenSSL
 * 3's libcrypto, the library `openssl cms` calls, without its process
 * start-up: the counterpart of package cms in bench/cmsbench, which
 * alternates the two round by round (bash bench/cms.sh).
 *
 *   cms_bench DIR sign|verify|verify-chain|rsa-sign N
 *   cms_bench DIR check
 *
 * DIR holds what bench/cmsbench wrote: key.pem (the RSA-2048 key, PKCS#8),
 * cert.pem (its certificate), ca.pem (root and intermediate), content.bin,
 * signed.der (package cms's attached CMS of content.bin) and time (the Unix
 * time to check the chain at). The operations are those of `openssl cms`:
 *
 *   sign          CMS_sign(cert, key, content, CMS_BINARY | CMS_NOSMIMECAP)
 *                 (`openssl cms -sign -binary -nodetach -nosmimecap`: the
 *                 content attached, the signed attributes contentType,
 *                 signingTime and messageDigest, as package cms writes
 *                 them), then i2d_CMS_ContentInfo: DER out;
 *   verify        d2i_CMS_ContentInfo of signed.der, CMS_verify with
 *                 CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY (`-noverify`: the
 *                 signature and signed attributes, no chain), the content
 *                 written to a memory BIO;
 *   verify-chain  the same with the signer's chain checked against ca.pem at
 *                 DIR/time, any purpose (`-CAfile ca.pem -attime T
 *                 -purpose any`);
 *   rsa-sign      the RSA signature alone: EVP_PKEY_sign of a SHA-256
 *                 digest, PKCS#1 v1.5, with the same key — what sign costs
 *                 without the CMS around it.
 *
 * check writes DIR/theirs.der (one CMS_sign output) for bench/cmsbench to
 * verify with package cms, after checking that OpenSSL verifies it and
 * signed.der. A round checks first that its operation works, warms up with
 * N/10 calls, then makes N calls timed in CPU time of the process
 * (clock_gettime(CLOCK_PROCESS_CPUTIME_ID): user and system), and prints:
 *
 *   sign   N ops  T s CPU  Y us/op
 *
 * Build: gcc -O2 -Wall cms_bench.c -lcrypto
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

static void die(const char *what)
{
    fprintf(stderr, "cms_bench: %s\n", what);
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

/* readfile reads DIR/name whole. */
static unsigned char *readfile(const char *dir, const char *name, long *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path);
    if (fseek(f, 0, SEEK_END) != 0)
        die("fseek");
    *len = ftell(f);
    rewind(f);
    unsigned char *b = malloc(*len + 1);
    if (b == NULL || fread(b, 1, *len, f) != (size_t)*len)
        die(path);
    fclose(f);
    b[*len] = 0;
    return b;
}

static X509 *cert;
static EVP_PKEY *key;
static X509_STORE *store;
static unsigned char *content, *signed_der;
static long content_len, signed_len;

/* sign_to returns one CMS_sign output as DER (to be freed with OPENSSL_free). */
static unsigned char *sign_to(int *len)
{
    BIO *in = BIO_new_mem_buf(content, (int)content_len);
    CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP);
    if (cms == NULL)
        die("CMS_sign");
    unsigned char *der = NULL;
    *len = i2d_CMS_ContentInfo(cms, &der);
    if (*len <= 0)
        die("i2d_CMS_ContentInfo");
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return der;
}

static void sign_once(void)
{
    int len;
    OPENSSL_free(sign_to(&len));
}

/* verify_der verifies a DER CMS; chain says whether the signer's chain is checked. */
static int verify_der(const unsigned char *der, long len, int chain)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, len);
    if (cms == NULL)
        die("d2i_CMS_ContentInfo");
    BIO *out = BIO_new(BIO_s_mem());
    int flags = CMS_BINARY | (chain ? 0 : CMS_NO_SIGNER_CERT_VERIFY);
    int ok = CMS_verify(cms, NULL, store, NULL, out, flags);
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    return ok;
}

static void verify_once(void)
{
    if (verify_der(signed_der, signed_len, 0) != 1)
        die("CMS_verify");
}

static EVP_PKEY_CTX *rsactx;
static unsigned char rsadigest[32], rsasig[512];

static void rsa_sign_once(void)
{
    size_t l = sizeof rsasig;
    if (EVP_PKEY_sign(rsactx, rsasig, &l, rsadigest, sizeof rsadigest) <= 0)
        die("EVP_PKEY_sign");
}

static void verify_chain_once(void)
{
    if (verify_der(signed_der, signed_len, 1) != 1)
        die("CMS_verify with the chain");
}

int main(int argc, char **argv)
{
    int check = argc == 3 && strcmp(argv[2], "check") == 0;
    void (*op)(void) = NULL;
    if (argc == 4 && strcmp(argv[2], "sign") == 0)
        op = sign_once;
    else if (argc == 4 && strcmp(argv[2], "verify") == 0)
        op = verify_once;
    else if (argc == 4 && strcmp(argv[2], "verify-chain") == 0)
        op = verify_chain_once;
    else if (argc == 4 && strcmp(argv[2], "rsa-sign") == 0)
        op = rsa_sign_once;
    if (op == NULL && !check) {
        fprintf(stderr, "usage: %s DIR sign|verify|verify-chain|rsa-sign N\n       %s DIR check\n", argv[0], argv[0]);
        return 2;
    }
    long n = check ? 0 : atol(argv[3]);
    if (!check && n <= 0) {
        fprintf(stderr, "cms_bench: N must be a positive count, not %s\n", argv[3]);
        return 2;
    }
    const char *dir = argv[1];

    long len;
    unsigned char *pem = readfile(dir, "key.pem", &len);
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    pem = readfile(dir, "cert.pem", &len);
    b = BIO_new_mem_buf(pem, (int)len);
    cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    if (key == NULL || cert == NULL)
        die("cannot read key.pem or cert.pem");

    store = X509_STORE_new();
    char path[4096];
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    if (store == NULL || X509_STORE_load_file(store, path) != 1)
        die("cannot load ca.pem");
    unsigned char *t = readfile(dir, "time", &len);
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), (time_t)atoll((char *)t));
    free(t);
    if (X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1)
        die("X509_STORE_set_purpose");

    rsactx = EVP_PKEY_CTX_new(key, NULL);
    if (rsactx == NULL || EVP_PKEY_sign_init(rsactx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(rsactx, RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(rsactx, EVP_sha256()) <= 0)
        die("EVP_PKEY_sign_init (RSA)");
    rsa_sign_once();

    content = readfile(dir, "content.bin", &content_len);
    signed_der = readfile(dir, "signed.der", &signed_len);

    /* What is timed must work: OpenSSL verifies its own CMS and package cms's. */
    int theirs_len;
    unsigned char *theirs = sign_to(&theirs_len);
    if (verify_der(theirs, theirs_len, 1) != 1)
        die("OpenSSL does not verify its own CMS");
    if (verify_der(signed_der, signed_len, 1) != 1)
        die("OpenSSL does not verify package cms's CMS (signed.der)");
    ERR_clear_error();
    if (check) {
        snprintf(path, sizeof path, "%s/theirs.der", dir);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(theirs, 1, theirs_len, f) != (size_t)theirs_len || fclose(f) != 0)
            die("cannot write theirs.der");
        OPENSSL_free(theirs);
        return 0;
    }
    OPENSSL_free(theirs);

    for (long i = 0; i < n / 10 + 1; i++)
        op();
    double t0 = cpu();
    for (long i = 0; i < n; i++)
        op();
    double dt = cpu() - t0;
    printf("%-6s %ld ops  %.3f s CPU  %.2f us/op\n", argv[2], n, dt, dt * 1e6 / (double)n);

    free(content);
    free(signed_der);
    EVP_PKEY_CTX_free(rsactx);
    X509_STORE_free(store);
    X509_free(cert);
    EVP_PKEY_free(key);
    return 0;
}
