/* SPDX-License-Identifier: Apache-2.0 */
/* Hex digests for manifest fixtures: H64("a1") is 64 hex digits, HA to HE five distinct ones. */
#pragma once

#define H64(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define HA H64("a1")
#define HB H64("b2")
#define HC H64("c3")
#define HD H64("d4")
#define HE H64("e5")
