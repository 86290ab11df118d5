/* A plugin written in plain C against plugin_abi.h, without the C++ SDK. Compiled several
 * times with different definitions to make the malformed plugins of the bad-input tests:
 *   RAW_NAME         plugin name (string literal)
 *   RAW_ABI_VERSION  abi_version to declare (default: CONVENTIOND_ABI_VERSION)
 *   RAW_STRUCT_SIZE  struct_size to declare (default: sizeof(cvd_plugin))
 *   RAW_CREATE_FAILS create() reports "database unreachable" and returns CVD_ERROR
 *   RAW_NO_ENTRY     do not define the entry symbol
 *   RAW_VALIDATE_FAILS  validate() (ABI 2) reports two problems, the second with control
 *                    characters, and returns CVD_ERROR
 */
#include <conventiond/sdk/plugin_abi.h>

#ifndef RAW_ABI_VERSION
#define RAW_ABI_VERSION CONVENTIOND_ABI_VERSION
#endif
#ifndef RAW_STRUCT_SIZE
#define RAW_STRUCT_SIZE sizeof(cvd_plugin)
#endif

static int raw_create(const cvd_host_api* host, const char* config_json, size_t len,
                      void** instance, cvd_emit_fn err_out, void* err_ctx) {
  (void)host;
  (void)config_json;
  (void)len;
#ifdef RAW_CREATE_FAILS
  {
    static const char message[] = "database unreachable";
    (void)instance;
    err_out(err_ctx, message, sizeof message - 1);
    return CVD_ERROR;
  }
#else
  static int the_instance;
  (void)err_out;
  (void)err_ctx;
  *instance = &the_instance;
  return CVD_OK;
#endif
}

static void raw_destroy(void* instance) { (void)instance; }

static int raw_start(void* instance, cvd_emit_fn emit, void* ctx) {
  static const char request[] =
      "{\"type\":\"request\",\"url\":\"https://example.org/\",\"method\":\"GET\"}";
  (void)instance;
  emit(ctx, request, sizeof request - 1);
  return CVD_OK;
}

static int raw_parse(void* instance, const char* response_json, size_t len, cvd_emit_fn emit,
                     void* ctx) {
  (void)instance;
  (void)response_json;
  (void)len;
  (void)emit;
  (void)ctx;
  return CVD_OK;
}

#ifdef RAW_VALIDATE_FAILS
static int raw_validate(const char* config_json, size_t len, cvd_emit_fn err_out, void* err_ctx) {
  static const char first[] = "config key 'pattern' is not valid";
  static const char second[] = "second\x1b[2J\nproblem";
  (void)config_json;
  (void)len;
  err_out(err_ctx, first, sizeof first - 1);
  err_out(err_ctx, second, sizeof second - 1);
  return CVD_ERROR;
}
#define RAW_VALIDATE raw_validate
#else
#define RAW_VALIDATE NULL
#endif

static const cvd_plugin raw_plugin = {RAW_STRUCT_SIZE,
                                      RAW_ABI_VERSION,
                                      RAW_NAME,
                                      "0.1.0",
                                      CVD_KIND_SOURCE,
                                      0u,
                                      "plain C test plugin",
                                      NULL,
                                      0,
                                      raw_create,
                                      raw_destroy,
                                      raw_start,
                                      raw_parse,
                                      NULL,
                                      RAW_VALIDATE};

#ifdef RAW_NO_ENTRY
CONVENTIOND_EXPORT const cvd_plugin* not_the_entry_symbol(void) { return &raw_plugin; }
#else
const cvd_plugin* conventiond_plugin_entry(void) { return &raw_plugin; }
#endif
