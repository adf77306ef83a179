package jsondoc

import (
	"slices"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// The fuzz targets run their seed corpora (testdata/fuzz/<Target>) in every
// go test; make fuzz explores further.

// FuzzParse: a document Parse reads is written back as text that Parse
// reads as the same value, members in their order, numbers as they were.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.50,-0e7,"x\u00e9"],"b":{}}`, `[]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `12345678901234567890123456789012345678`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		again, err := Parse(v.AppendJSON(nil))
		if err != nil || text(again) != text(v) || !again.Equal(v) {
			t.Fatalf("%s reads back as %s, %v", text(v), text(again), err)
		}
	})
}

// FuzzPatchApply is a differential test of Patch.Apply against
// evanphx/json-patch: applying one patch to one document, the two agree on
// whether it applies and on the result. Where the two libraries differ on
// purpose, the input is skipped: evanphx compares numbers in a test by
// their text (RFC 6902 compares them by value) and takes a test of a
// missing member for null, reads "01" or "-1" as an array index (RFC 6901
// does not), treats a whole-document target its own way, and takes a
// missing member "" for a present one.
func FuzzPatchApply(f *testing.F) {
	for _, ex := range rfc6902Examples(f) {
		f.Add(ex.Doc.AppendJSON(nil), ex.Patch.AppendJSON(nil))
	}
	f.Add([]byte(`{"a":[1,{"b":[]}],"c":{"d":"e"}}`), []byte(`[{"op":"move","from":"/a/1","path":"/c/f"},{"op":"copy","from":"/c","path":"/a/0"},{"op":"remove","path":"/a/1"}]`))
	f.Add([]byte(`{"a":[1,2]}`), []byte(`[{"op":"move","from":"/a","path":"/a/0"}]`))
	f.Fuzz(func(t *testing.T, docText, patchText []byte) {
		doc, err := Parse(docText)
		if err != nil || doc.Kind() != KindObject && doc.Kind() != KindArray {
			return
		}
		patchDoc, err := Parse(patchText)
		if err != nil {
			return
		}
		patch, err := DecodePatch(patchDoc)
		if err != nil || !differential(patch) {
			return
		}
		before := text(doc)
		got, err := patch.Apply(doc)
		if text(doc) != before {
			t.Fatalf("Apply changed its document: %s", text(doc))
		}
		oracle, oerr := jsonpatch.DecodePatch(patchText)
		if oerr != nil {
			t.Fatalf("evanphx refuses the patch DecodePatch read: %v", oerr)
		}
		opts := jsonpatch.NewApplyOptions()
		opts.SupportNegativeIndices = false // not RFC 6902
		opts.AccumulatedCopySizeLimit = MaxCopyBytes
		wantText, werr := oracle.ApplyWithOptions(docText, opts)
		if (err == nil) != (werr == nil) {
			t.Fatalf("Apply: %v; evanphx: %v (%s)", err, werr, wantText)
		}
		if err != nil {
			return
		}
		want, err := Parse(wantText)
		if err != nil {
			t.Fatalf("evanphx wrote %s: %v", wantText, err)
		}
		if !got.Equal(want) {
			t.Fatalf("Apply = %s\nevanphx %s", text(got), wantText)
		}
	})
}

// differential reports whether the patch stays clear of the documented
// differences between the two libraries.
func differential(p Patch) bool {
	for _, op := range p {
		pointers := []Pointer{op.Path}
		if op.Op == "move" || op.Op == "copy" {
			pointers = append(pointers, op.From)
		}
		for _, ptr := range pointers {
			if len(ptr) == 0 {
				return false
			}
			for _, t := range ptr {
				// evanphx also takes a missing member "" for a present one.
				if looksLikeIndex(t) || t == "" {
					return false
				}
			}
		}
		if op.Op == "test" && hasNumberOrNull(op.Value) {
			return false
		}
	}
	return true
}

// hasNumberOrNull reports whether v holds a number or null anywhere.
func hasNumberOrNull(v Value) bool {
	switch v.kind {
	case KindNumber, KindNull:
		return true
	case KindArray:
		return slices.ContainsFunc(v.items, hasNumberOrNull)
	case KindObject:
		return slices.ContainsFunc(v.members, func(m Member) bool { return hasNumberOrNull(m.Value) })
	}
	return false
}
