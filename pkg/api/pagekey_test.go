package api

import "testing"

// FuzzDecodePageKey: a page key is refused, or is the one spelling of its
// parts, and names a position in the tenant's list it was asked for.
func FuzzDecodePageKey(f *testing.F) {
	f.Add(encodePageKey("t", "01a219b2-5326-7bbf-82ff-4eaddee8446e"), "t")
	f.Add(encodePageKey("t", "p1", "12"), "t")
	f.Fuzz(func(t *testing.T, key, tenant string) {
		last, ok := decodePageKey(key, tenant)
		if !ok {
			return
		}
		if encodePageKey(tenant, last) != key {
			t.Fatalf("key %q decodes to %q of %q, which encodes to %q", key, last, tenant, encodePageKey(tenant, last))
		}
	})
}
