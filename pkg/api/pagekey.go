package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/certhub/examreg/pkg/examreg"
)

// A page key is the base64url form of where a page ended and what it is a
// page of: "<tenant>/<id>" for the list, "<tenant>/<id>/<version>" for a
// record's history. Only the position is used to read on: the partition is
// rebuilt from the request's path, so a key can never reach another tenant's
// items; a key of another tenant or record is refused all the same, as not a
// key this API returned for this list.

func encodePageKey(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "/")))
}

// decodePageKey returns the last part of a key made of want's parts and one
// more, or ok false.
func decodePageKey(key string, want ...string) (last string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(key)
	parts := strings.Split(string(b), "/")
	// One spelling per key: the decoder would also take line breaks and
	// stray low bits.
	if err != nil || encodePageKey(parts...) != key || len(parts) != len(want)+1 {
		return "", false
	}
	for i, w := range want {
		if parts[i] != w {
			return "", false
		}
	}
	return parts[len(want)], true
}

// listPosition reads the list's exclusiveStartKey: the id the previous page
// ended on.
func listPosition(q *params, tenant string) string {
	if !q.Has("exclusiveStartKey") {
		return ""
	}
	id, ok := decodePageKey(q.Get("exclusiveStartKey"), tenant)
	if !ok || !examreg.ValidID(id) {
		q.problem("exclusiveStartKey", "is not a valid page key")
	}
	return id
}

// historyPosition reads a history's exclusiveStartKey: the version the
// previous page ended on.
func historyPosition(q *params, tenant, id string) int64 {
	if !q.Has("exclusiveStartKey") {
		return 0
	}
	s, ok := decodePageKey(q.Get("exclusiveStartKey"), tenant, id)
	version, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil || version < 1 || strconv.FormatInt(version, 10) != s {
		q.problem("exclusiveStartKey", "is not a valid page key")
	}
	return version
}
