package examreg

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// DecodeJSON parses data as exactly one JSON value into dst, which must be a
// pointer to a struct (or to a slice of structs). It is strict: an unknown
// object member, a value of the wrong JSON type and trailing data after the
// value are all errors. Unlike encoding/json it does not stop at the first
// problem: the returned *Error (code EINVALID) lists every field that is
// wrong, by its path. JSON null is read as "absent".
func DecodeJSON(data []byte, dst any) error {
	raw, err := singleValue(data)
	if err != nil {
		return err
	}
	if fields := decodeFields(raw, dst); len(fields) > 0 {
		return Invalid("invalid fields", fields...)
	}
	return nil
}

// decodeFields decodes one JSON value into dst and returns every problem.
// A null inside the value is an absent field, but the value itself must be
// there: a body of null is not the object (or array) expected.
func decodeFields(raw json.RawMessage, dst any) []FieldError {
	v := reflect.ValueOf(dst).Elem()
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return []FieldError{{"", "must be " + jsonKind(v.Type())}}
	}
	var fields []FieldError
	walk(v, raw, "", &fields)
	return fields
}

// singleValue checks that data is valid UTF-8 holding one JSON value and
// nothing after it.
func singleValue(data []byte) (json.RawMessage, error) {
	if !utf8.Valid(data) {
		return nil, Invalid("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Invalid("no JSON value: the body is empty")
		}
		return nil, Invalid("invalid JSON: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Invalid("invalid JSON: unexpected data after the JSON value")
	}
	if hasLoneSurrogate(raw) {
		// encoding/json would store U+FFFD in its place: refuse rather
		// than silently change the client's text.
		return nil, Invalid("invalid JSON: a \\u escape is an unpaired UTF-16 surrogate")
	}
	return raw, nil
}

// hasLoneSurrogate reports whether valid JSON text escapes half of a UTF-16
// surrogate pair without the other half. Backslashes only occur in strings,
// so every escape is found by walking them.
func hasLoneSurrogate(data []byte) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if data[i] != 'u' {
			continue
		}
		r, _ := strconv.ParseUint(string(data[i+1:i+5]), 16, 32)
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(data) || data[i+1] != '\\' || data[i+2] != 'u' {
				return true
			}
			low, _ := strconv.ParseUint(string(data[i+3:i+7]), 16, 32)
			if low < 0xDC00 || low > 0xDFFF {
				return true
			}
			i += 6
		}
	}
	return false
}

func walk(v reflect.Value, raw json.RawMessage, path string, errs *[]FieldError) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		v.SetZero()
		return
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		elem := reflect.New(t.Elem())
		walk(elem.Elem(), raw, path, errs)
		v.Set(elem)
	case t.Kind() == reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(raw, &members) != nil {
			*errs = append(*errs, FieldError{path, "must be an object"})
			return
		}
		index := fieldIndex(t)
		for _, name := range slices.Sorted(maps.Keys(members)) {
			i, ok := index[name]
			if !ok {
				*errs = append(*errs, FieldError{join(path, name), "unknown field"})
				continue
			}
			walk(v.Field(i), members[name], join(path, name), errs)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			*errs = append(*errs, FieldError{path, "must be an array"})
			return
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			walk(s.Index(i), item, path+"["+strconv.Itoa(i)+"]", errs)
		}
		v.Set(s)
	default:
		if json.Unmarshal(raw, v.Addr().Interface()) != nil {
			*errs = append(*errs, FieldError{path, "must be " + jsonKind(t)})
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonKind names the JSON type a Go type decodes from, for error messages.
func jsonKind(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Map {
			return "an array of objects"
		}
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	}
	return "a JSON value"
}

var fieldIndexes sync.Map // reflect.Type -> map[string]int

// fieldIndex maps each JSON member name of struct type t to its field index.
func fieldIndex(t reflect.Type) map[string]int {
	if m, ok := fieldIndexes.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); name != "" {
			m[name] = i
		}
	}
	fieldIndexes.Store(t, m)
	return m
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}
