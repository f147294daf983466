// The certificate and key mockd serves HTTPS with: generated in memory at
// start-up (self-signed, ECDSA P-256, valid for localhost and the bind
// address) or read from files. Kept free of Asio so both engines can use it.
#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace mockd {

struct TlsIdentity {
  std::string cert_pem;
  std::string key_pem;
};

enum class TlsVersion { any, v1_2, v1_3 };

// Throws std::runtime_error on failure.
TlsIdentity generate_self_signed(std::string_view host);
TlsIdentity load_tls_identity(const std::string& cert_file, const std::string& key_file);

// Allows only `version` (or 1.2 and newer for `any`) on `ctx`.
void restrict_tls_version(SSL_CTX* ctx, TlsVersion version);

// Installs cert and key from PEM into `ctx`; throws on failure.
void use_tls_identity(SSL_CTX* ctx, const TlsIdentity& identity);

}  // namespace mockd
