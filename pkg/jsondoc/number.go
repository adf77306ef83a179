package jsondoc

import (
	"cmp"
	"math"
	"strconv"
	"strings"
)

// Decimal is a JSON number taken apart, exactly:
// value = ±0.Digits × 10^(Exponent+1), that is, Exponent is the power of ten
// of the first significant digit. Digits has no leading or trailing zeros;
// it is "" for zero (whatever its sign).
type Decimal struct {
	Negative bool
	Digits   string
	Exponent int64
}

// ParseDecimal takes apart a JSON number literal (RFC 8259 section 6),
// which it trusts to be one. Exponents too large to matter are clamped (to
// ±2^40), so that no literal, however long, costs more than a pass over
// its text.
func ParseDecimal(literal string) Decimal {
	var d Decimal
	s := literal
	if strings.HasPrefix(s, "-") {
		d.Negative, s = true, s[1:]
	}
	mantissa, exponent, _ := strings.Cut(strings.ToLower(s), "e")
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	all := intPart + fracPart
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	d.Digits = strings.TrimRight(all[lead:], "0")
	if d.Digits == "" {
		return Decimal{}
	}
	d.Exponent = int64(len(intPart)-lead-1) + parseExponent(exponent)
	return d
}

// parseExponent reads an exponent's digits, clamped.
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

// String is the one literal of d's value: "0", or [-]0.<digits>e<n>.
func (d Decimal) String() string {
	if d.Digits == "" {
		return "0"
	}
	s := "0." + d.Digits + "e" + strconv.FormatInt(d.Exponent+1, 10)
	if d.Negative {
		return "-" + s
	}
	return s
}

// sign is -1, 0 or 1.
func (d Decimal) sign() int {
	switch {
	case d.Digits == "":
		return 0
	case d.Negative:
		return -1
	}
	return 1
}

// CompareNumbers compares two JSON number literals by value, exactly: -1
// when a is less than b, 0 when they are equal, +1 otherwise.
func CompareNumbers(a, b string) int {
	x, y := ParseDecimal(a), ParseDecimal(b)
	if sx, sy := x.sign(), y.sign(); sx != sy || sx == 0 {
		return cmp.Compare(sx, sy)
	}
	c := cmp.Compare(x.Exponent, y.Exponent)
	if c == 0 {
		c = strings.Compare(x.Digits, y.Digits)
	}
	if x.Negative {
		return -c
	}
	return c
}

// Int64 returns the value of a number that is a whole number within int64
// however it is written (2, 2.0, 2e0, 20e-1), and ok false for any other
// value.
func (v Value) Int64() (n int64, ok bool) {
	if v.kind != KindNumber {
		return 0, false
	}
	d := ParseDecimal(v.text)
	if d.Exponent < int64(len(d.Digits))-1 || d.Exponent > 18 {
		return 0, d.Digits == ""
	}
	for i := int64(0); i <= d.Exponent; i++ {
		digit := int64(0)
		if i < int64(len(d.Digits)) {
			digit = int64(d.Digits[i] - '0')
		}
		if n > (math.MaxInt64-digit)/10 {
			return 0, false
		}
		n = n*10 + digit
	}
	if d.Negative {
		n = -n
	}
	return n, true
}
