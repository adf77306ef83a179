package jsondoc

import (
	"errors"
	"strconv"
	"strings"
)

// Pointer is a JSON Pointer (RFC 6901) as its reference tokens, unescaped.
// The empty Pointer designates the whole document.
type Pointer []string

// What ParsePointer refuses.
var (
	ErrPointerStart  = errors.New("a JSON Pointer starts with /")
	ErrPointerEscape = errors.New("a JSON Pointer writes ~ as ~0 and / as ~1, and ~ is followed by nothing else")
)

// ParsePointer parses the text of a JSON Pointer: "" or a "/" before each
// reference token, in which "~" is written "~0" and "/" is written "~1".
func ParsePointer(s string) (Pointer, error) {
	if s == "" {
		return Pointer{}, nil
	}
	if s[0] != '/' {
		return nil, ErrPointerStart
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && (i+1 == len(s) || s[i+1] != '0' && s[i+1] != '1') {
			return nil, ErrPointerEscape
		}
	}
	p := Pointer(strings.Split(s[1:], "/"))
	for i, t := range p {
		p[i] = unescapeToken.Replace(t)
	}
	return p, nil
}

var (
	unescapeToken = strings.NewReplacer("~1", "/", "~0", "~")
	escapeToken   = strings.NewReplacer("~", "~0", "/", "~1")
)

// String is the text of p, as ParsePointer reads it.
func (p Pointer) String() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteByte('/')
		b.WriteString(escapeToken.Replace(t))
	}
	return b.String()
}

// Find returns the value p designates in v, and whether there is one. A
// token designates an array's item only when it is an array index as RFC
// 6901 writes one: 0, or digits without a leading zero.
func (v Value) Find(p Pointer) (Value, bool) {
	for _, token := range p {
		switch v.kind {
		case KindObject:
			next, ok := v.Member(token)
			if !ok {
				return Value{}, false
			}
			v = next
		case KindArray:
			i, ok := arrayIndex(token)
			if !ok || i >= len(v.items) {
				return Value{}, false
			}
			v = v.items[i]
		default:
			return Value{}, false
		}
	}
	return v, true
}

// arrayIndex reads an RFC 6901 array index: digits, no sign, no leading
// zero. Indexes beyond any array a document holds are refused.
func arrayIndex(token string) (int, bool) {
	if token == "" || len(token) > 9 || token[0] == '0' && token != "0" {
		return 0, false
	}
	for _, c := range token {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(token)
	return n, true
}

// looksLikeIndex reports whether token is a number RFC 6901 does not write
// as an array index but other readers take for one: with a sign or a
// leading zero ("01", "+1", "-0"). Such a token is a fine member name; it
// is refused only where it meets an array.
func looksLikeIndex(token string) bool {
	digits := strings.TrimLeft(token, "+-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return false
	}
	return digits != token || len(digits) > 1 && digits[0] == '0'
}
