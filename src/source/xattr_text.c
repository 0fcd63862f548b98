/*
 * xattr_text.c - POSIX ACL and file capability xattrs as text.
 *
 * Decoded from their binary formats here rather than through libacl and
 * libcap: two small, stable kernel ABIs against two more run-time
 * dependencies. The text mimics getfacl's and getcap's so that users
 * recognise it (probe_file.h gives its form).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "imscan/strbuf.h"
#include "imscan/xattr_text.h"

/* POSIX ACL xattr format (linux/posix_acl_xattr.h), little-endian. */
#define PACL_VERSION	2
#define PACL_USER_OBJ	0x01
#define PACL_USER	0x02
#define PACL_GROUP_OBJ	0x04
#define PACL_GROUP	0x08
#define PACL_MASK	0x10
#define PACL_OTHER	0x20

/* security.capability format (linux/capability.h), little-endian. */
#define VCAP_REV_MASK	0xff000000u
#define VCAP_REV1	0x01000000u
#define VCAP_REV2	0x02000000u
#define VCAP_REV3	0x03000000u
#define VCAP_EFFECTIVE	0x000001u

/* libcap's names, by bit number; numbers past the table print as digits. */
static const char *const cap_names[] = {
	"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
	"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
	"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
	"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
	"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
	"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
	"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
	"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
	"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
	"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
	"cap_checkpoint_restore",
};
#define NCAP_NAMES (sizeof(cap_names) / sizeof(cap_names[0]))

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void add_perm(struct strbuf *out, unsigned perm)
{
	strbuf_addc(out, perm & 4 ? 'r' : '-');
	strbuf_addc(out, perm & 2 ? 'w' : '-');
	strbuf_addc(out, perm & 1 ? 'x' : '-');
}

/* Appends one ACL xattr as getfacl's entries, comma-separated. */
int xattr_acl_text(struct strbuf *out, const unsigned char *v, size_t n, const char *prefix)
{
	if (n < 4 || (n - 4) % 8 || le32(v) != PACL_VERSION)
		return -1;
	for (size_t off = 4; off < n; off += 8) {
		unsigned tag = le16(v + off), perm = le16(v + off + 2);
		uint32_t id = le32(v + off + 4);

		if (out->len)
			strbuf_addc(out, ',');
		strbuf_adds(out, prefix);
		switch (tag) {
		case PACL_USER_OBJ:	strbuf_adds(out, "user::"); break;
		case PACL_USER:		strbuf_addf(out, "user:%u:", id); break;
		case PACL_GROUP_OBJ:	strbuf_adds(out, "group::"); break;
		case PACL_GROUP:	strbuf_addf(out, "group:%u:", id); break;
		case PACL_MASK:		strbuf_adds(out, "mask::"); break;
		case PACL_OTHER:	strbuf_adds(out, "other::"); break;
		default:		return -1;
		}
		add_perm(out, perm);
	}
	return 0;
}

/* A capability's state, valued as libcap's LIBCAP_EFF/INH/PER, whose
 * order decides the order of clauses in the text. */
#define CF_E 1
#define CF_P 2
#define CF_I 4

static void cap_flags(struct strbuf *out, unsigned f)
{
	if (f & CF_E)
		strbuf_addc(out, 'e');
	if (f & CF_I)
		strbuf_addc(out, 'i');
	if (f & CF_P)
		strbuf_addc(out, 'p');
}

static void cap_name(struct strbuf *out, unsigned n)
{
	if (n < NCAP_NAMES)
		strbuf_adds(out, cap_names[n]);
	else
		strbuf_addf(out, "%u", n);
}

/*
 * libcap's cap_to_text(): the most common state among the named bits is
 * the "=" base, then one clause per other state, from "eip" down. Bits
 * past the named ones follow as "+" clauses. Known bits are fixed at this
 * table's size rather than the running kernel's, so the text does not
 * depend on the host that scanned.
 */
static void caps_to_text(struct strbuf *out, const uint64_t set[3])
{
	int histo[8] = { 0 };
	unsigned st[64], m = 7;
	size_t start = out->len;
	bool lead_eq;

	for (unsigned n = 0; n < 64; n++) {
		uint64_t bit = (uint64_t)1 << n;

		st[n] = (set[0] & bit ? CF_E : 0) | (set[1] & bit ? CF_I : 0) |
			(set[2] & bit ? CF_P : 0);
		if (n < NCAP_NAMES)
			histo[st[n]]++;
	}
	for (int t = 7; t--;)
		if (histo[t] >= histo[m])
			m = (unsigned)t;
	strbuf_addc(out, '=');
	cap_flags(out, m);
	lead_eq = !m;
	for (unsigned t = 8; t--;) {
		const char *sep = "";

		if (t == m || !histo[t])
			continue;
		strbuf_addc(out, ' ');
		for (unsigned n = 0; n < NCAP_NAMES; n++) {
			if (st[n] != t)
				continue;
			strbuf_adds(out, sep);
			cap_name(out, n);
			sep = ",";
		}
		if (t & ~m) {
			char op = '+';

			/* "= a,b+ep" is said "a,b=ep", as libcap does. */
			if (lead_eq) {
				memmove(out->buf + start, out->buf + start + 2, out->len - start - 2);
				strbuf_setlen(out, out->len - 2);
				op = '=';
			}
			strbuf_addc(out, op);
			cap_flags(out, t & ~m);
		}
		if (~t & m) {
			strbuf_addc(out, '-');
			cap_flags(out, ~t & m);
		}
		lead_eq = false;
	}
	memset(histo, 0, sizeof(histo));
	for (unsigned n = NCAP_NAMES; n < 64; n++)
		histo[st[n]]++;
	for (unsigned t = 8; t-- > 1;) {
		const char *sep = "";

		if (!histo[t])
			continue;
		strbuf_addc(out, ' ');
		for (unsigned n = NCAP_NAMES; n < 64; n++) {
			if (st[n] != t)
				continue;
			strbuf_adds(out, sep);
			cap_name(out, n);
			sep = ",";
		}
		strbuf_addc(out, '+');
		cap_flags(out, t);
	}
}

/*
 * security.capability as getcap -n prints it: "cap_net_raw=ep", and for a
 * user-namespaced (v3) capability " [rootid=N]" after it.
 */
int xattr_caps_text(struct strbuf *out, const unsigned char *v, size_t n)
{
	uint64_t set[3] = { 0, 0, 0 };	/* effective, inheritable, permitted */
	uint32_t magic, rev, words, rootid = 0;

	if (n < 4)
		return -1;
	magic = le32(v);
	rev = magic & VCAP_REV_MASK;
	if (rev == VCAP_REV1 && n == 12)
		words = 1;
	else if (rev == VCAP_REV2 && n == 20)
		words = 2;
	else if (rev == VCAP_REV3 && n == 24)
		words = 2;
	else
		return -1;
	for (uint32_t i = 0; i < words; i++) {
		set[2] |= (uint64_t)le32(v + 4 + 8 * i) << (32 * i);
		set[1] |= (uint64_t)le32(v + 8 + 8 * i) << (32 * i);
	}
	/* One effective bit in the file: it raises everything permitted or
	 * inherited, which is how libcap presents it. */
	if (magic & VCAP_EFFECTIVE)
		set[0] = set[1] | set[2];
	if (rev == VCAP_REV3)
		rootid = le32(v + 20);
	caps_to_text(out, set);
	if (rootid)
		strbuf_addf(out, " [rootid=%u]", rootid);
	return 0;
}
