// OpenSSL's libcrypto (libssl-dev), for RS256 signing: on x86-64 with AVX-512 its RSA is
// about 2.4 times faster than the BoringSSL copy inside swift-crypto (see the README's
// performance section).
#ifndef PASSWORDLESS_COPENSSL_SHIM_H
#define PASSWORDLESS_COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#endif
