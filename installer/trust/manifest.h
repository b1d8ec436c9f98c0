/* SPDX-License-Identifier: Apache-2.0 */
/* The signed release manifest, schema 1 (see manifests/README.md). The parser is strict:
 * unknown keys, wrong types, missing fields and every value outside its documented form are
 * refused with a message naming the field (JSON path) and the reason. It only ever sees bytes
 * whose signature was already verified. */
#pragma once

#include "base/error.h"
#include "trust/manifest_names.h"
#include "trust/manifest_values.h"

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#define PDI_MANIFEST_MAX_BYTES (1024 * 1024)
#define PDI_MANIFEST_MAX_ARTIFACTS _PDI_ROLE_MAX /* one per role */
#define PDI_MANIFEST_MAX_FILES 64
#define PDI_MANIFEST_MAX_MIRRORS 16
#define PDI_MANIFEST_MAX_SIZE (4ULL << 30) /* 4 GiB for one artifact or file */
#define PDI_MANIFEST_MAX_CHAINS 64

enum pdi_role {
        PDI_ROLE_NODE,
        PDI_ROLE_PREPARE_WORKER,
        PDI_ROLE_EXECUTE_WORKER,
        _PDI_ROLE_MAX,
};

enum pdi_format {
        PDI_FORMAT_BINARY,
        PDI_FORMAT_TAR,
        PDI_FORMAT_TAR_GZ,
        PDI_FORMAT_TAR_XZ,
        PDI_FORMAT_TAR_ZST,
        _PDI_FORMAT_MAX,
};

struct pdi_manifest_file {
        char *path; /* plain file name inside the release directory */
        char sha256[65];
        uint64_t size;
};

struct pdi_manifest_artifact {
        char *name;
        enum pdi_role role;
        char *url;
        char **mirrors;
        size_t n_mirrors;
        char sha256[65];
        uint64_t size;
        enum pdi_format format;
        struct pdi_manifest_file *files; /* archives only */
        size_t n_files;
};

struct pdi_manifest {
        int schema;
        char *product;
        char *version;
        uint64_t sequence;
        char *created_str, *expires_str;
        time_t created, expires;
        struct pdi_manifest_artifact *artifacts;
        size_t n_artifacts;
        char **chains; /* optional; n_chains == 0 means every chain */
        size_t n_chains;
        struct pdi_manifest_names names; /* optional release_tag, docker_tag */
};

/* Parse and validate. `now` decides expiry (pass time(NULL)). -PDI_E_MANIFEST for every
 * schema violation, -PDI_E_POLICY for an expired manifest. */
int pdi_manifest_parse(const char *buf, size_t len, time_t now, struct pdi_manifest **ret,
                       struct pdi_error *err);
void pdi_manifest_free(struct pdi_manifest *m);
static inline void pdi_manifest_freep(struct pdi_manifest **p)
{
        pdi_manifest_free(*p);
}

const char *pdi_role_name(enum pdi_role role);
/* File name the node looks for: "polkadot", "polkadot-prepare-worker", … */
const char *pdi_role_file(enum pdi_role role);
const char *pdi_format_name(enum pdi_format format);

/* The manifest as JSON (for verify --json and status). New reference; NULL when out of
 * memory (never a document with a part missing). */
json_t *pdi_manifest_to_json(const struct pdi_manifest *m);

/* Serialise a manifest (for `manifest create`): canonical key order, 2-space indent. */
int pdi_manifest_dump(const struct pdi_manifest *m, char **ret_text);
