package store

import "testing"

// FuzzDecodePageKey: a page key is refused, or names a valid id that encodes
// back to the same key.
func FuzzDecodePageKey(f *testing.F) {
	f.Add(encodePageKey("01a219b2-5326-7bbf-82ff-4eaddee8446e"))
	f.Fuzz(func(t *testing.T, key string) {
		id, err := DecodePageKey(key)
		if err != nil {
			return
		}
		if encodePageKey(id) != key {
			t.Fatalf("key %q decodes to %q, which encodes to %q", key, id, encodePageKey(id))
		}
	})
}
