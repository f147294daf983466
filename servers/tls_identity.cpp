#include "tls_identity.hpp"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace mockd {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO_free>>;

[[noreturn]] void fail(const std::string& what) {
  char buf[256] = "unknown error";
  if (auto code = ERR_get_error()) ERR_error_string_n(code, buf, sizeof buf);
  throw std::runtime_error("TLS: " + what + ": " + buf);
}

std::string to_pem(auto write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !write(bio.get())) fail("cannot write PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

void add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) fail("cannot build extension " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TlsIdentity generate_self_signed(std::string_view host) {
  PKey key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate a P-256 key");

  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("mockd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);

  // Clients verify the name they connect to: cover localhost, loopback and the bind address.
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  const std::string h(host);
  unsigned char addr[16];
  if (!h.empty() && h != "localhost" && h != "127.0.0.1" && h != "::1" && h != "0.0.0.0" &&
      h != "::") {
    const bool is_ip =
        inet_pton(AF_INET, h.c_str(), addr) == 1 || inet_pton(AF_INET6, h.c_str(), addr) == 1;
    san += (is_ip ? ",IP:" : ",DNS:") + h;
  }
  add_extension(cert.get(), NID_subject_alt_name, san);
  add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) fail("cannot sign the certificate");

  return {to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); }), to_pem([&](BIO* b) {
            return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
          })};
}

TlsIdentity load_tls_identity(const std::string& cert_file, const std::string& key_file) {
  return {read_file(cert_file), read_file(key_file)};
}

void restrict_tls_version(SSL_CTX* ctx, TlsVersion version) {
  const int min = version == TlsVersion::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION;
  const int max = version == TlsVersion::v1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (!SSL_CTX_set_min_proto_version(ctx, min) || !SSL_CTX_set_max_proto_version(ctx, max))
    fail("cannot set the TLS version");
}

void use_tls_identity(SSL_CTX* ctx, const TlsIdentity& identity) {
  Bio cert_bio(
      BIO_new_mem_buf(identity.cert_pem.data(), static_cast<int>(identity.cert_pem.size())));
  X509Ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) fail("cannot read the certificate");
  Bio key_bio(BIO_new_mem_buf(identity.key_pem.data(), static_cast<int>(identity.key_pem.size())));
  PKey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) fail("cannot read the private key");
  if (SSL_CTX_use_certificate(ctx, cert.get()) != 1) fail("cannot use the certificate");
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) fail("cannot use the private key");
  if (SSL_CTX_check_private_key(ctx) != 1) fail("the key does not match the certificate");
}

}  // namespace mockd
