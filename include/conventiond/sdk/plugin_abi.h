/*
 * conventiond plugin ABI, version 2: the only thing a plugin and the host share.
 *
 * Pure C so that a plugin built by any compiler (or written in C) loads into any host.
 * Rules (see docs/plugin-abi.md):
 *  - a plugin exports one symbol, CONVENTIOND_ENTRY_SYMBOL, returning a pointer to a
 *    static cvd_plugin that lives as long as the library;
 *  - the host reads struct_size and abi_version first, and nothing else unless both pass;
 *  - structs only ever grow at the end; struct_size says which fields are present;
 *  - no exception and no allocation crosses the boundary: data crosses as (pointer, length)
 *    UTF-8 JSON written through a callback supplied by the receiving side, valid only
 *    during the call;
 *  - a plugin is never unloaded while the host runs (reload = restart).
 */
#ifndef CONVENTIOND_SDK_PLUGIN_ABI_H
#define CONVENTIOND_SDK_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; the host loads plugins of versions [1, this]. */
#define CONVENTIOND_ABI_VERSION 2u
#define CONVENTIOND_ENTRY_SYMBOL "conventiond_plugin_entry"

#if defined(_WIN32)
#define CONVENTIOND_EXPORT __declspec(dllexport)
#else
#define CONVENTIOND_EXPORT __attribute__((visibility("default")))
#endif

/* Plugin kinds. */
#define CVD_KIND_SOURCE 1u /* a connector: turns responses into documents and requests */
#define CVD_KIND_SINK 2u   /* receives change-log events and delivers them somewhere */

/* Config value types. */
#define CVD_TYPE_STRING 1u
#define CVD_TYPE_INTEGER 2u /* 64-bit signed */
#define CVD_TYPE_NUMBER 3u  /* double; an integer value is accepted */
#define CVD_TYPE_BOOLEAN 4u
#define CVD_TYPE_STRING_LIST 5u /* array of strings */
#define CVD_TYPE_TABLE 6u       /* object, passed through unchecked */

/* cvd_config_key.flags */
#define CVD_KEY_REQUIRED 1u /* the operator must set it (then it has no default) */
#define CVD_KEY_HAS_MIN 2u  /* min applies (integer and number only) */
#define CVD_KEY_HAS_MAX 4u  /* max applies (integer and number only) */

/* Return codes of every plugin function. */
#define CVD_OK 0
#define CVD_ERROR 1     /* the plugin reported a failure (message emitted) */
#define CVD_EXCEPTION 2 /* the plugin's code threw; the SDK caught it (message emitted) */

/* Log levels for cvd_host_api.log. */
#define CVD_LOG_DEBUG 0
#define CVD_LOG_INFO 1
#define CVD_LOG_WARN 2
#define CVD_LOG_ERROR 3

/* Receives (data, len): a whole message, UTF-8, not NUL-terminated, valid during the call. */
typedef void (*cvd_emit_fn)(void* ctx, const char* data, size_t len);

/* One key of a plugin's config schema. Frozen for ABI 1: a richer key would be a new array
 * appended to cvd_plugin, never a change of this struct. */
typedef struct cvd_config_key {
  const char* name;         /* [a-z0-9_]+ */
  uint32_t type;            /* CVD_TYPE_* */
  uint32_t flags;           /* CVD_KEY_* */
  const char* default_json; /* JSON text of the default, or NULL for none */
  const char* description;  /* one line, shown by `conventiond plugins describe` */
  double min;               /* inclusive, when flags has CVD_KEY_HAS_MIN */
  double max;               /* inclusive, when flags has CVD_KEY_HAS_MAX */
} cvd_config_key;

/* What the host offers a plugin instance; passed to create(), valid until destroy(). */
typedef struct cvd_host_api {
  uint32_t struct_size; /* read it before any field after abi_version */
  uint32_t abi_version;
  void* host_ctx; /* first argument of the functions below */
  void (*log)(void* host_ctx, int level, const char* message, size_t len);
  /* Runs the core extraction on a document; emits its JSON result. May be NULL. */
  int (*extract)(void* host_ctx, const char* bytes, size_t len, const char* media_type,
                 const char* url, cvd_emit_fn emit, void* ctx);
} cvd_host_api;

/* What conventiond_plugin_entry() returns. Fields are appended, never changed. */
typedef struct cvd_plugin {
  uint32_t struct_size; /* sizeof(cvd_plugin) as the plugin was compiled */
  uint32_t abi_version; /* CONVENTIOND_ABI_VERSION as the plugin was compiled */

  /* Metadata (ABI 1). */
  const char* name; /* [a-z0-9_]+, unique among loaded plugins */
  const char* version;
  uint32_t kind;     /* CVD_KIND_* */
  uint32_t reserved; /* 0 */
  const char* description;
  const cvd_config_key* config_keys;
  size_t config_key_count;

  /* Function table (ABI 1). Each function returns CVD_OK or an error code; on error it has
   * emitted a message saying why (err_out for create, an "error" message otherwise). */

  /* config_json: the validated config object, defaults filled in. */
  int (*create)(const cvd_host_api* host, const char* config_json, size_t len, void** instance,
                cvd_emit_fn err_out, void* err_ctx);
  void (*destroy)(void* instance);
  /* Sources (NULL for sinks): emit JSON messages (requests, documents, ...). */
  int (*start)(void* instance, cvd_emit_fn emit, void* ctx);
  int (*parse)(void* instance, const char* response_json, size_t len, cvd_emit_fn emit, void* ctx);
  /* Sinks (NULL for sources): events_json is a JSON array of change-log events. */
  int (*deliver)(void* instance, const char* events_json, size_t len, cvd_emit_fn emit, void* ctx);

  /* ABI 2 (present when abi_version >= 2 and struct_size covers it; may be NULL). */

  /* Checks a config (the validated object, defaults filled in, as given to create) without
   * making an instance and without any side effect (no file written, no connection): emits
   * one problem per err_out call (UTF-8 text, one line, e.g. "config key 'link_pattern' is
   * not a valid regular expression: ..."), and returns CVD_OK when there is none, CVD_ERROR
   * otherwise. `conventiond check-config` calls it for every job and sink. */
  int (*validate)(const char* config_json, size_t len, cvd_emit_fn err_out, void* err_ctx);
} cvd_plugin;

/* The entry symbol every plugin defines (the SDK's plugin macros do it). */
CONVENTIOND_EXPORT const cvd_plugin* conventiond_plugin_entry(void);
typedef const cvd_plugin* (*cvd_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* CONVENTIOND_SDK_PLUGIN_ABI_H */
