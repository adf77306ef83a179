package examreg

import (
	"cmp"
	"math"
	"strings"
)

// DynamoDB's number type: at most 38 significant digits, and a magnitude of
// zero or from 1E-130 to 9.9999999999999999999999999999999999999E+125.
// Every number of a record must fit, or DynamoDB refuses the whole item.
const (
	maxNumberDigits   = 38
	maxNumberExponent = 125
	minNumberExponent = -130
)

// decimal is a number literal taken apart: value = ±0.digits × 10^(exp+1),
// that is, exp is the power of ten of the first significant digit. digits
// has no leading or trailing zeros; it is "" for zero.
type decimal struct {
	negative bool
	digits   string
	exp      int64
}

// parseDecimal takes apart a JSON number literal (RFC 8259 section 6).
// Exponents too large to matter are clamped, so that no literal, however
// long, costs more than a pass over its text.
func parseDecimal(literal string) decimal {
	var d decimal
	s := literal
	if strings.HasPrefix(s, "-") {
		d.negative, s = true, s[1:]
	}
	mantissa, exponent, _ := strings.Cut(strings.ToLower(s), "e")
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	all := intPart + fracPart
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	d.digits = strings.TrimRight(all[lead:], "0")
	if d.digits == "" {
		return decimal{}
	}
	d.exp = int64(len(intPart)-lead-1) + parseExponent(exponent)
	return d
}

// parseExponent reads an exponent's digits, clamping it far beyond any
// number DynamoDB holds.
func parseExponent(s string) int64 {
	negative := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	var n int64
	for _, c := range s {
		n = min(n*10+int64(c-'0'), 1<<40)
	}
	if negative {
		return -n
	}
	return n
}

// numberProblem says why a JSON number cannot be stored as a DynamoDB
// number, or returns "".
func numberProblem(literal string) string {
	d := parseDecimal(literal)
	switch {
	case d.digits == "":
		return ""
	case len(d.digits) > maxNumberDigits:
		return "must have at most 38 significant digits"
	case d.exp > maxNumberExponent || d.exp < minNumberExponent:
		return "must be 0 or have a magnitude from 1E-130 to 9.9999999999999999999999999999999999999E+125"
	}
	return ""
}

// compareNumbers compares two JSON number literals by value, exactly.
func compareNumbers(a, b string) int {
	x, y := parseDecimal(a), parseDecimal(b)
	sign := func(d decimal) int {
		switch {
		case d.digits == "":
			return 0
		case d.negative:
			return -1
		}
		return 1
	}
	if sx, sy := sign(x), sign(y); sx != sy || sx == 0 {
		return cmp.Compare(sx, sy)
	}
	c := cmp.Compare(x.exp, y.exp)
	if c == 0 {
		c = strings.Compare(x.digits, y.digits)
	}
	if x.negative {
		return -c
	}
	return c
}

// integerValue is the value of a number literal that is a whole number
// within int64 however it is written (2, 2.0, 2e0), and ok false otherwise.
func integerValue(literal string) (n int64, ok bool) {
	d := parseDecimal(literal)
	if d.exp < int64(len(d.digits))-1 || d.exp > 18 {
		return 0, d.digits == ""
	}
	for i := int64(0); i <= d.exp; i++ {
		digit := int64(0)
		if i < int64(len(d.digits)) {
			digit = int64(d.digits[i] - '0')
		}
		if n > (math.MaxInt64-digit)/10 {
			return 0, false
		}
		n = n*10 + digit
	}
	if d.negative {
		n = -n
	}
	return n, true
}
