package command

import (
	"bytes"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/types/hash"
	"github.com/redoubt/redoubt/internal/types/list"
	"github.com/redoubt/redoubt/internal/types/set"
	"github.com/redoubt/redoubt/internal/types/zset"
)

// SORT's BY and GET patterns name keys derived from the data, and its STORE keyword may appear
// anywhere, so Redis 7.0 declares those key specs with an "unknown" begin_search (BeginIndex 0,
// no Keyword) and finds the STORE key with sortGetKeys.
var sortKeySpecs = []KeySpec{
	{Flags: RO | Access, BeginIndex: 1, LastKey: 0, KeyStep: 1},
	{Flags: RO | Access, Notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"},
	{Flags: OW | Update, Notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array"},
}

var sortCommands = []*Spec{
	{Name: "sort", Arity: -2, Flags: Write | DenyOOM, Categories: CatSet | CatSortedSet | CatList | CatDangerous,
		Keys: sortKeySpecs, GetKeys: sortGetKeys, Handler: sortCmd,
		Summary: "Sort the elements in a list, set or sorted set", Since: "1.0.0", Group: "generic",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
	{Name: "sort_ro", Arity: -2, Flags: Readonly, Categories: CatSet | CatSortedSet | CatList | CatDangerous,
		Keys: sortKeySpecs[:2], Handler: sortRoCmd,
		Summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", Since: "7.0.0", Group: "generic",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N)."},
}

// sortGetKeys is Redis's sortGetKeys: the sorted key, and the STORE key of the last STORE
// option, skipping the arguments of the other options so that a pattern spelled "store" is
// never taken for the keyword.
func sortGetKeys(args [][]byte) []KeyRef {
	keys := []KeyRef{{Pos: 1, Flags: RO | Access}}
	store := 0
	for i := 2; i < len(args); i++ {
		skip := 0
		switch strings.ToLower(string(args[i])) {
		case "limit":
			skip = 2
		case "get", "by":
			skip = 1
		case "store":
			skip = 1
			if i+1 < len(args) {
				store = i + 1
			}
		}
		i += skip
	}
	if store > 0 {
		keys = append(keys, KeyRef{Pos: store, Flags: OW | Update})
	}
	return keys
}

// fullKeyReader is implemented by a host that can tell whether a user may read every key,
// which Redis requires before SORT may follow BY or GET patterns to other keys.
type fullKeyReader interface{ CanReadAllKeys(user string) bool }

func sortCmd(c *Ctx)   { sortGeneric(c, false) }
func sortRoCmd(c *Ctx) { sortGeneric(c, true) }

type sortItem struct {
	ele    string
	score  float64
	cmp    []byte
	hasCmp bool
}

func sortGeneric(c *Ctx, readonly bool) {
	fullAccess := true
	if h, ok := c.Host.(fullKeyReader); ok {
		fullAccess = h.CanReadAllKeys(c.Conn.User())
	}
	var (
		desc, alpha, dontsort bool
		limitStart            int64
		limitCount            int64 = -1
		sortby                []byte
		storekey              string
		store                 bool
		gets                  [][]byte
	)
	for j := 2; j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		opt := strings.ToLower(string(c.Args[j]))
		switch {
		case opt == "asc":
			desc = false
		case opt == "desc":
			desc = true
		case opt == "alpha":
			alpha = true
		case opt == "limit" && left >= 2:
			var ok bool
			if limitStart, ok = c.ArgInt(j + 1); !ok {
				return
			}
			if limitCount, ok = c.ArgInt(j + 2); !ok {
				return
			}
			j += 2
		case !readonly && opt == "store" && left >= 1:
			storekey, store = c.Key(j+1), true
			j++
		case opt == "by" && left >= 1:
			sortby = c.Args[j+1]
			if bytes.IndexByte(cString(sortby), '*') < 0 {
				dontsort = true
			} else if !fullAccess {
				c.Err("ERR BY option of SORT denied due to insufficient ACL permissions.")
				return
			}
			j++
		case opt == "get" && left >= 1:
			if !fullAccess {
				c.Err("ERR GET option of SORT denied due to insufficient ACL permissions.")
				return
			}
			gets = append(gets, c.Args[j+1])
			j++
		default:
			c.Err(ErrSyntax)
			return
		}
	}

	o := c.Read(c.Key(1))
	if o != nil && o.Type != keyspace.TypeList && o.Type != keyspace.TypeSet && o.Type != keyspace.TypeZSet {
		c.Err(ErrWrongType)
		return
	}
	isSet := o != nil && o.Type == keyspace.TypeSet
	// Set order is an accident of hashing, so a stored result is sorted to be reproducible.
	if dontsort && isSet && store {
		dontsort, alpha, sortby = false, true, nil
	}
	if o != nil && o.Type == keyspace.TypeZSet {
		// Redis converts a listpack sorted set to a skiplist for SORT, for good.
		if conv, ok := o.Val.(interface{ ToSkiplist() }); ok {
			conv.ToSkiplist()
		}
	}

	n := 0
	if o != nil {
		switch v := o.Val.(type) {
		case *list.List:
			n = v.Len()
		case *set.Set:
			n = v.Len()
		case *zset.ZSet:
			n = v.Len()
		}
	}
	start := min(max(limitStart, 0), int64(n))
	count := min(max(limitCount, -1), int64(n))
	end := int64(n) - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= int64(n) {
		start, end = int64(n)-1, int64(n)-2
	}
	end = min(end, int64(n)-1)

	items := sortLoad(o, n, dontsort, desc, &start, &end)

	convErr := false
	if !dontsort {
		for i := range items {
			it := &items[i]
			var by []byte
			if sortby != nil {
				v, ok := sortLookup(c, sortby, it.ele)
				if !ok {
					continue
				}
				by = v
			} else {
				by = []byte(it.ele)
			}
			if alpha {
				if sortby != nil {
					it.cmp, it.hasCmp = by, true
				}
				continue
			}
			f, ok := strtod(by)
			if !ok {
				convErr = true
			}
			it.score = f
		}
		cmp := sortComparator(alpha, sortby != nil, store, desc)
		slices.SortStableFunc(items, cmp)
	}

	outLen := end - start + 1
	if len(gets) > 0 {
		outLen *= int64(len(gets))
	}
	if convErr {
		c.Err("ERR One or more scores can't be converted into double")
		return
	}
	if !store {
		c.W.Array(int(outLen))
		for j := start; j <= end; j++ {
			ele := items[j].ele
			if len(gets) == 0 {
				c.W.BulkString(ele)
			}
			for _, g := range gets {
				if v, ok := sortLookup(c, g, ele); ok {
					c.W.Bulk(v)
				} else {
					c.W.Null()
				}
			}
		}
		return
	}
	dst := list.New()
	for j := start; j <= end; j++ {
		ele := items[j].ele
		if len(gets) == 0 {
			dst.PushBack([]byte(ele))
			continue
		}
		for _, g := range gets {
			v, _ := sortLookup(c, g, ele)
			dst.PushBack(append([]byte{}, v...))
		}
	}
	if outLen > 0 {
		c.DB.Set(storekey, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeList, Val: dst}, c.Now), false)
		c.Notify(NotifyList, "sortstore", storekey)
		c.Changed(int(outLen))
	} else if c.DB.Delete(storekey, c.Now) {
		c.Notify(NotifyGeneric, "del", storekey)
		c.Changed(1)
	}
	c.W.Int(outLen)
}

// sortLoad reads the elements to sort. With nothing to sort, lists and sorted sets load only
// the LIMIT range, in reverse for DESC, and start/end are rebased onto it, as Redis does.
func sortLoad(o *keyspace.Object, n int, dontsort, desc bool, start, end *int64) []sortItem {
	if o == nil {
		return nil
	}
	ranged := dontsort && (*start != 0 || *end != int64(n)-1)
	switch v := o.Val.(type) {
	case *list.List:
		if !dontsort {
			items := make([]sortItem, 0, n)
			for it := v.IterAt(0, false); ; {
				e, ok := it.Next()
				if !ok {
					break
				}
				items = append(items, sortItem{ele: string(e)})
			}
			return items
		}
		if *end < *start {
			*start, *end = 0, -1
			return nil
		}
		want := n
		if ranged {
			want = int(*end - *start + 1)
		}
		first := int(*start)
		if desc {
			first = n - int(*start) - 1
		}
		items := make([]sortItem, 0, want)
		for it := v.IterAt(first, desc); len(items) < want; {
			e, ok := it.Next()
			if !ok {
				break
			}
			items = append(items, sortItem{ele: string(e)})
		}
		*end -= *start
		*start = 0
		return items
	case *set.Set:
		items := make([]sortItem, 0, n)
		for m := range v.All() {
			items = append(items, sortItem{ele: m.String()})
		}
		return items
	case *zset.ZSet:
		if !dontsort {
			items := make([]sortItem, 0, n)
			for cur := v.FromRank(0, false); cur.Valid(); cur.Next() {
				items = append(items, sortItem{ele: cur.Entry().Member})
			}
			return items
		}
		want := n
		if ranged {
			want = max(int(*end-*start+1), 0)
		}
		items := make([]sortItem, 0, want)
		for cur := v.FromRank(int(*start), desc); cur.Valid() && len(items) < want; cur.Next() {
			items = append(items, sortItem{ele: cur.Entry().Member})
		}
		*end -= *start
		*start = 0
		return items
	}
	return nil
}

// sortComparator is Redis's sortCompare. Without STORE, ALPHA compares with strcoll, which
// in the C locale Redoubt assumes stops at the first NUL; with STORE it compares binary-safe.
func sortComparator(alpha, byPattern, store, desc bool) func(a, b sortItem) int {
	cmp := func(a, b sortItem) int {
		switch {
		case !alpha:
			switch {
			case a.score > b.score:
				return 1
			case a.score < b.score:
				return -1
			}
			return strings.Compare(a.ele, b.ele)
		case byPattern:
			if !a.hasCmp || !b.hasCmp {
				switch {
				case a.hasCmp == b.hasCmp:
					return 0
				case !a.hasCmp:
					return -1
				}
				return 1
			}
			if store {
				return bytes.Compare(a.cmp, b.cmp)
			}
			return bytes.Compare(cString(a.cmp), cString(b.cmp))
		case store:
			return strings.Compare(a.ele, b.ele)
		}
		return bytes.Compare(cString([]byte(a.ele)), cString([]byte(b.ele)))
	}
	if desc {
		return func(a, b sortItem) int { return -cmp(a, b) }
	}
	return cmp
}

// cString is b as C string functions see it: up to the first NUL.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// sortLookup is Redis's lookupKeyByPattern: "#" yields the element itself; otherwise the first
// '*' is replaced by the element, and a non-empty "->field" suffix after it reads a hash
// field instead of a string. Patterns are searched as C strings, as Redis does.
func sortLookup(c *Ctx, pattern []byte, ele string) ([]byte, bool) {
	if len(pattern) > 0 && pattern[0] == '#' && (len(pattern) == 1 || pattern[1] == 0) {
		return []byte(ele), true
	}
	cpat := cString(pattern)
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	fieldLen := 0
	var field []byte
	if f := bytes.Index(cpat[star+1:], []byte("->")); f >= 0 {
		f += star + 1
		if f+2 < len(pattern) && pattern[f+2] != 0 {
			fieldLen = len(pattern) - f - 2
			field = pattern[f+2:]
		}
	}
	postLen := len(pattern) - (star + 1)
	if fieldLen > 0 {
		postLen -= fieldLen + 2
	}
	key := make([]byte, 0, star+len(ele)+postLen)
	key = append(key, pattern[:star]...)
	key = append(key, ele...)
	key = append(key, pattern[star+1:star+1+postLen]...)
	o := c.Read(string(key))
	if o == nil {
		return nil, false
	}
	if fieldLen > 0 {
		if o.Type != keyspace.TypeHash {
			return nil, false
		}
		h, ok := o.Val.(*hash.Hash)
		if !ok {
			return nil, false
		}
		v, ok := h.Get(field)
		return []byte(v), ok
	}
	if o.Type != keyspace.TypeString {
		return nil, false
	}
	return o.Str, true
}

// strtod converts b as Redis's SORT does with C's strtod: leading white space, decimal or
// hexadecimal floats, "inf"/"infinity"; the whole string (up to a NUL) must be used, and
// overflow, an inexact underflow or NaN is an error.
func strtod(b []byte) (float64, bool) {
	s := cString(b)
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	if len(rest) == 0 {
		// No conversion: strtod returns 0 and points at the start, which here is the end.
		return 0, len(s) == 0
	}
	lower := strings.ToLower(string(rest[:min(len(rest), 8)]))
	if strings.HasPrefix(lower, "inf") {
		if lower != "inf" && lower != "infinity" {
			return 0, false
		}
		if len(rest) != 3 && len(rest) != 8 {
			return 0, false
		}
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if strings.HasPrefix(lower, "nan") {
		return 0, false
	}
	hex := len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') && startsHexMantissa(rest[2:])
	var mant, exp []byte
	var digitsNonZero bool
	var used int
	if hex {
		mant, exp, digitsNonZero, used = scanFloat(rest[2:], true)
		used += 2
	} else {
		mant, exp, digitsNonZero, used = scanFloat(rest, false)
		if len(mant) == 0 {
			return 0, false
		}
	}
	if used != len(rest) {
		return 0, false
	}
	text := string(mant)
	if hex {
		text = "0x" + text + "p" + string(exp)
		if len(exp) == 0 {
			text += "0"
		}
	} else if len(exp) > 0 {
		text += "e" + string(exp)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil { // out of range: strtod's ERANGE
		return 0, false
	}
	if f == 0 && digitsNonZero {
		return 0, false
	}
	if f != 0 && math.Abs(f) < 0x1p-1022 && !exactFloat(text, f) {
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

func startsHexMantissa(s []byte) bool {
	return len(s) > 0 && (isHexDigit(s[0]) || (s[0] == '.' && len(s) > 1 && isHexDigit(s[1])))
}

// scanFloat matches the longest float prefix of s: digits with an optional point, then an
// exponent (e, or p for hex) only if digits follow it. It returns the mantissa text, the
// exponent text, whether a mantissa digit was non-zero, and the bytes used.
func scanFloat(s []byte, hex bool) (mant, exp []byte, nonZero bool, used int) {
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	if hex {
		digit = isHexDigit
	}
	i, nd := 0, 0
	for i < len(s) && digit(s[i]) {
		nonZero = nonZero || s[i] != '0'
		i, nd = i+1, nd+1
	}
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && digit(s[j]) {
			nonZero = nonZero || s[j] != '0'
			j, nd = j+1, nd+1
		}
		if nd > 0 {
			i = j
		}
	}
	if nd == 0 {
		return nil, nil, false, 0
	}
	mant = s[:i]
	if i < len(s) && ((!hex && (s[i] == 'e' || s[i] == 'E')) || (hex && (s[i] == 'p' || s[i] == 'P'))) {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			exp = s[i+1 : k]
			i = k
		}
	}
	return mant, exp, nonZero, i
}

// exactFloat reports whether the number text denotes exactly f (glibc flags only an inexact
// subnormal result as an underflow).
func exactFloat(text string, f float64) bool {
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return false
	}
	return r.Cmp(new(big.Rat).SetFloat64(f)) == 0
}
