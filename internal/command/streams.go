package command

import (
	"bytes"
	"slices"
	"strings"

	"github.com/redoubt/redoubt/internal/keyspace"
	"github.com/redoubt/redoubt/internal/resp"
	"github.com/redoubt/redoubt/internal/types/stream"
)

// Stream commands, following Redis 7.0's t_stream.c: argument parsing order (which decides
// which error wins), the key lookups that count hits, the events and every error text.

const (
	errStreamID        = "ERR Invalid stream ID specified as stream command argument"
	errXaddSmaller     = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errXaddZero        = "ERR The ID specified in XADD must be greater than 0-0"
	errXaddExhausted   = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errXaddTooLarge    = "ERR Elements are too large to be stored"
	errStartInterval   = "ERR invalid start ID for the interval"
	errEndInterval     = "ERR invalid end ID for the interval"
	errTrimBoth        = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errTrimNoStrategy  = "ERR syntax error, XTRIM must be called with a trimming strategy"
	errLimitNoStrategy = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	errLimitNoApprox   = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	errMaxlenNeg       = "ERR The MAXLEN argument must be >= 0."
	errStreamLimitNeg  = "ERR The LIMIT argument must be >= 0."
	errXreadTimeout    = "ERR timeout is not an integer or out of range"
	errXgroupNoKey     = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
	errBusyGroup       = "BUSYGROUP Consumer Group name already exists"
)

var streamCommands = []*Spec{
	{Name: "xadd", Arity: -5, Flags: Write | DenyOOM | Fast, Categories: CatStream, Tips: tipsNondetOut,
		Keys:    []KeySpec{{Flags: RW | Update, Notes: "UPDATE instead of INSERT because of the optional trimming feature", BeginIndex: 1, KeyStep: 1}},
		Handler: xaddCmd, Summary: "Appends a new entry to a stream", Since: "5.0.0", Group: "stream",
		Complexity: "O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted."},
	{Name: "xlen", Arity: 2, Flags: Readonly | Fast, Categories: CatStream, Keys: []KeySpec{keyAt(1, RO)}, Handler: xlenCmd,
		Summary: "Return the number of entries in a stream", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
	{Name: "xrange", Arity: -4, Flags: Readonly, Categories: CatStream, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { xrangeGeneric(c, false) },
		Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval", Since: "5.0.0", Group: "stream",
		Complexity: "O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."},
	{Name: "xrevrange", Arity: -4, Flags: Readonly, Categories: CatStream, Keys: []KeySpec{keyAt(1, RO|Access)},
		Handler: func(c *Ctx) { xrangeGeneric(c, true) },
		Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", Since: "5.0.0", Group: "stream",
		Complexity: "O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1)."},
	{Name: "xdel", Arity: -3, Flags: Write | Fast, Categories: CatStream, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: xdelCmd,
		Summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", Since: "5.0.0", Group: "stream",
		Complexity: "O(1) for each single item to delete in the stream, regardless of the stream size."},
	{Name: "xtrim", Arity: -4, Flags: Write, Categories: CatStream, Tips: tipsNondetOut, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: xtrimCmd,
		Summary: "Trims the stream to (approximately if '~' is passed) a certain size", Since: "5.0.0", Group: "stream",
		Complexity: "O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation."},
	{Name: "xread", Arity: -4, Flags: Readonly | Blocking, Categories: CatStream,
		Keys:    []KeySpec{{Flags: RO | Access, Keyword: "STREAMS", StartFrom: 1, LastKey: -1, KeyStep: 1, Limit: 2}},
		Handler: func(c *Ctx) { xreadGeneric(c, false) },
		Summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", Since: "5.0.0", Group: "stream",
		Complexity: "For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data."},
	{Name: "xreadgroup", Arity: -7, Flags: Write | Blocking, Categories: CatStream,
		Keys:    []KeySpec{{Flags: RO | Access, Keyword: "STREAMS", StartFrom: 4, LastKey: -1, KeyStep: 1, Limit: 2}},
		Handler: func(c *Ctx) { xreadGeneric(c, true) },
		Summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", Since: "5.0.0", Group: "stream",
		Complexity: "For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data."},
	{Name: "xack", Arity: -4, Flags: Write | Fast, Categories: CatStream, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: xackCmd,
		Summary: "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", Since: "5.0.0", Group: "stream",
		Complexity: "O(1) for each message ID processed."},
	{Name: "xpending", Arity: -3, Flags: Readonly, Categories: CatStream, Tips: tipsNondetOut, Keys: []KeySpec{keyAt(1, RO|Access)}, Handler: xpendingCmd,
		Summary: "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", Since: "5.0.0", Group: "stream",
		Complexity: "O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer."},
	{Name: "xclaim", Arity: -6, Flags: Write | Fast, Categories: CatStream, Tips: tipsNondetOut, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: xclaimCmd,
		Summary: "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", Since: "5.0.0", Group: "stream",
		Complexity: "O(log N) with N being the number of messages in the PEL of the consumer group."},
	{Name: "xautoclaim", Arity: -6, Flags: Write | Fast, Categories: CatStream, Tips: tipsNondetOut, Keys: []KeySpec{keyAt(1, RW|Delete)}, Handler: xautoclaimCmd,
		Summary: "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", Since: "6.2.0", Group: "stream",
		Complexity: "O(1) if COUNT is small."},
	{Name: "xsetid", Arity: -3, Flags: Write | DenyOOM | Fast, Categories: CatStream, Keys: []KeySpec{keyAt(1, RW|Update)}, Handler: xsetidCmd,
		Summary: "An internal command for replicating stream values", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
	{Name: "xgroup", Arity: -2, Categories: CatSlow, Summary: "A container for consumer groups commands", Since: "5.0.0", Group: "stream",
		Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "create", Arity: -5, Flags: Write | DenyOOM, Categories: CatStream, Keys: []KeySpec{keyAt(2, RW|Insert)}, Handler: xgroupCmd,
				Summary: "Create a consumer group.", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "setid", Arity: -5, Flags: Write, Categories: CatStream, Keys: []KeySpec{keyAt(2, RW|Update)}, Handler: xgroupCmd,
				Summary: "Set a consumer group to an arbitrary last delivered ID value.", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "destroy", Arity: 4, Flags: Write, Categories: CatStream, Keys: []KeySpec{keyAt(2, RW|Delete)}, Handler: xgroupCmd,
				Summary: "Destroy a consumer group.", Since: "5.0.0", Group: "stream",
				Complexity: "O(N) where N is the number of entries in the group's pending entries list (PEL)."},
			{Name: "createconsumer", Arity: 5, Flags: Write | DenyOOM, Categories: CatStream, Keys: []KeySpec{keyAt(2, RW|Insert)}, Handler: xgroupCmd,
				Summary: "Create a consumer in a consumer group.", Since: "6.2.0", Group: "stream", Complexity: "O(1)"},
			{Name: "delconsumer", Arity: 5, Flags: Write, Categories: CatStream, Keys: []KeySpec{keyAt(2, RW|Delete)}, Handler: xgroupCmd,
				Summary: "Delete a consumer from a consumer group.", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatStream, Handler: xgroupHelp,
				Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
		}},
	{Name: "xinfo", Arity: -2, Categories: CatSlow, Summary: "A container for stream introspection commands", Since: "5.0.0", Group: "stream",
		Complexity: "Depends on subcommand.",
		Subs: []*Spec{
			{Name: "consumers", Arity: 4, Flags: Readonly, Categories: CatStream, Tips: tipsNondetOut, Keys: []KeySpec{keyAt(2, RO|Access)}, Handler: xinfoConsumers,
				Summary: "List the consumers in a consumer group", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "groups", Arity: 3, Flags: Readonly, Categories: CatStream, Keys: []KeySpec{keyAt(2, RO|Access)}, Handler: xinfoGroups,
				Summary: "List the consumer groups of a stream", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "stream", Arity: -3, Flags: Readonly, Categories: CatStream, Keys: []KeySpec{keyAt(2, RO|Access)}, Handler: xinfoStream,
				Summary: "Get information about a stream", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
			{Name: "help", Arity: 2, Flags: Loading | Stale, Categories: CatStream, Handler: xinfoHelp,
				Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Group: "stream", Complexity: "O(1)"},
		}},
}

func streamVal(o *keyspace.Object) *stream.Stream { return o.Val.(*stream.Stream) }

func writeStreamID(w *resp.Writer, id stream.ID) {
	var buf [48]byte
	w.Bulk(id.Append(buf[:0]))
}

// writeStreamEntry writes [id, [field, value, ...]].
func writeStreamEntry(w *resp.Writer, e stream.Entry) {
	w.Array(2)
	writeStreamID(w, e.ID)
	n := e.Len()
	w.Array(2 * n)
	for i := 0; i < n; i++ {
		f, v := e.Pair(i)
		w.Bulk(f)
		w.Bulk(v)
	}
}

// writeStreamEntryOrNull writes the live entry id, or a null when it is gone (as XCLAIM does).
func writeStreamEntryOrNull(w *resp.Writer, s *stream.Stream, id stream.ID) {
	if e, ok := s.Get(id); ok {
		writeStreamEntry(w, e)
	} else {
		w.Null()
	}
}

// parseStrictID parses an id that may not be "-" or "+", replying on error.
// parseStrictIDs parses every argument as a full ID (XDEL, XACK), replying with the error
// for the first that is not one.
func parseStrictIDs(c *Ctx, args [][]byte) ([]stream.ID, bool) {
	ids := make([]stream.ID, 0, len(args))
	for _, b := range args {
		id, ok := parseStrictID(c, b)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func parseStrictID(c *Ctx, b []byte) (stream.ID, bool) {
	id, _, ok := stream.ParseID(b, true, 0, false)
	if !ok {
		c.Err(errStreamID)
	}
	return id, ok
}

// parseIntervalID is streamParseIntervalIDOrReply: "(" makes the bound exclusive (and
// forbids "-"/"+" after it).
func parseIntervalID(c *Ctx, b []byte, missingSeq uint64) (id stream.ID, exclusive, ok bool) {
	if len(b) > 1 && b[0] == '(' {
		id, _, ok = stream.ParseID(b[1:], true, missingSeq, false)
		exclusive = true
	} else {
		id, _, ok = stream.ParseID(b, false, missingSeq, false)
	}
	if !ok {
		c.Err(errStreamID)
	}
	return id, exclusive, ok
}

// parseStreamStart parses an interval start, moving past an exclusive one.
func parseStreamStart(c *Ctx, b []byte) (stream.ID, bool) {
	id, ex, ok := parseIntervalID(c, b, 0)
	if ok && ex {
		if id, ok = id.Incr(); !ok {
			c.Err(errStartInterval)
		}
	}
	return id, ok
}

func parseStreamEnd(c *Ctx, b []byte) (stream.ID, bool) {
	id, ex, ok := parseIntervalID(c, b, stream.MaxID.Seq)
	if ok && ex {
		if id, ok = id.Decr(); !ok {
			c.Err(errEndInterval)
		}
	}
	return id, ok
}

func xSubcommandSyntaxErr(c *Ctx) {
	c.Err("ERR unknown subcommand or wrong number of arguments for '" + clip(string(c.Args[1]), 128) + "'. Try " +
		strings.ToUpper(string(c.Args[0])) + " HELP.")
}

// addArgs are the parsed options of XADD and XTRIM.
type addArgs struct {
	trim     stream.TrimArgs
	noMk     bool
	id       stream.ID
	idGiven  bool
	seqGiven bool
	idPos    int
	// thresholdPos is the index of the MAXLEN/MINID value.
	thresholdPos int
}

// parseAddTrim is streamParseAddOrTrimArgsOrReply.
func parseAddTrim(c *Ctx, xadd bool) (a addArgs, ok bool) {
	limitGiven := false
	i := 2
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		opt := c.Args[i]
		switch {
		case xadd && streamCStr(opt) == "*":
		case xArgIs(opt, "maxlen") && more > 0, xArgIs(opt, "minid") && more > 0:
			if a.trim.Strategy != stream.TrimNone {
				c.Err(errTrimBoth)
				return a, false
			}
			a.trim.Approx = false
			if next := streamCStr(c.Args[i+1]); more >= 2 && (next == "~" || next == "=") {
				a.trim.Approx = next == "~"
				i++
			}
			if xArgIs(opt, "maxlen") {
				n, ok := c.ArgInt(i + 1)
				if !ok {
					return a, false
				}
				if n < 0 {
					c.Err(errMaxlenNeg)
					return a, false
				}
				a.trim.Strategy, a.trim.MaxLen = stream.TrimMaxLen, n
			} else {
				id, ok := parseStrictID(c, c.Args[i+1])
				if !ok {
					return a, false
				}
				a.trim.Strategy, a.trim.MinID = stream.TrimMinID, id
			}
			i++
			a.thresholdPos = i
			continue
		case xArgIs(opt, "limit") && more > 0:
			n, ok := c.ArgInt(i + 1)
			if !ok {
				return a, false
			}
			if n < 0 {
				c.Err(errStreamLimitNeg)
				return a, false
			}
			a.trim.Limit, limitGiven = n, true
			i++
			continue
		case xadd && xArgIs(opt, "nomkstream"):
			a.noMk = true
			continue
		case xadd:
			id, seqGiven, ok := stream.ParseID(opt, true, 0, true)
			if !ok {
				c.Err(errStreamID)
				return a, false
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
		default:
			c.Err(ErrSyntax)
			return a, false
		}
		break
	}
	a.idPos = i
	if a.trim.Limit != 0 && a.trim.Strategy == stream.TrimNone {
		c.Err(errLimitNoStrategy)
		return a, false
	}
	if !xadd && a.trim.Strategy == stream.TrimNone {
		c.Err(errTrimNoStrategy)
		return a, false
	}
	switch {
	case mustObey(c):
		// Trims from a master or the AOF were made exact when first run, and may keep the
		// LIMIT of the approximate form they replace (Redis propagates them so), which then
		// no longer applies.
		a.trim.Limit = 0
	case limitGiven && !a.trim.Approx:
		c.Err(errLimitNoApprox)
		return a, false
	case !limitGiven && a.trim.Approx:
		a.trim.Limit = 100 * c.Host.Limits().StreamNodeMaxEntries
		if a.trim.Limit <= 0 {
			a.trim.Limit = 10000
		}
	case !limitGiven:
		a.trim.Limit = 0
	}
	return a, true
}

// Obeyed is implemented by the connections whose commands replay what already happened
// elsewhere: the AOF being loaded, a replica's link to its master. Redis (mustObeyClient)
// accepts from them some forms that only its own propagation produces.
type Obeyed interface{ MustObey() bool }

func mustObey(c *Ctx) bool {
	o, ok := c.Conn.(Obeyed)
	return ok && o.MustObey()
}

// streamCStr is the argument as Redis's C string functions (strcmp, strcasecmp) see it: up to the
// first NUL.
func streamCStr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// xArgIs matches an option name as strcasecmp does.
func xArgIs(b []byte, s string) bool { return strings.EqualFold(streamCStr(b), s) }

func xaddCmd(c *Ctx) {
	a, ok := parseAddTrim(c, true)
	if !ok {
		return
	}
	fieldPos := a.idPos + 1
	if n := len(c.Args) - fieldPos; n < 2 || n%2 == 1 {
		c.Err("ERR wrong number of arguments for 'xadd' command")
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.Err(errXaddZero)
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		if a.noMk {
			c.W.Null()
			return
		}
		c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeStream, Val: stream.New()}, c.Now), false)
		c.Notify(NotifyNew, "new", key)
		o = c.Lookup(key)
	}
	s := streamVal(o)
	if s.LastID() == stream.MaxID {
		c.Err(errXaddExhausted)
		return
	}
	id, ok := s.NextID(a.id, a.idGiven, a.seqGiven, c.Now)
	if !ok {
		c.Err(errXaddSmaller)
		return
	}
	fv := c.Args[fieldPos:]
	if stream.TooLarge(fv) {
		c.Err(errXaddTooLarge)
		return
	}
	l := c.Host.Limits()
	s.Add(id, fv, l.StreamNodeMaxBytes, l.StreamNodeMaxEntries)
	writeStreamID(c.W, id)
	c.DB.Modified(key)
	c.Notify(NotifyStream, "xadd", key)
	c.Changed(1)
	if s.Trim(a.trim) > 0 {
		c.Notify(NotifyStream, "xtrim", key)
	}
	if !a.idGiven || !a.seqGiven || a.trim.Approx {
		args := slices.Clone(c.Args)
		args[a.idPos] = id.Append(nil)
		c.Propagate(exactTrimArgs(args, a, s)...)
	}
}

// exactTrimArgs rewrites an approximate trim (MAXLEN ~ n, MINID ~ id) in args as the exact
// trim that leaves the stream as it is now: how far "~" trims depends on the node layout,
// which a replica or an AOF replay may not share. Redis states the result as the length left
// or the id of the first entry kept in the nodes, a deleted one included (the maximum id
// when no node is left).
func exactTrimArgs(args [][]byte, a addArgs, s *stream.Stream) [][]byte {
	if !a.trim.Approx {
		return args
	}
	args[a.thresholdPos-1] = []byte("=")
	switch {
	case a.trim.Strategy == stream.TrimMaxLen:
		args[a.thresholdPos] = propInt(s.Len())
	case s.Nodes() == 0:
		args[a.thresholdPos] = stream.MaxID.Append(nil)
	default:
		args[a.thresholdPos] = s.Node(0).Entry(0).ID.Append(nil)
	}
	return args
}

func xlenCmd(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(streamVal(o).Len())
}

func xrangeGeneric(c *Ctx, rev bool) {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := parseStreamStart(c, startArg)
	if !ok {
		return
	}
	end, ok := parseStreamEnd(c, endArg)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if xArgIs(c.Args[j], "count") && j+1 < len(c.Args) {
			n, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.Err(ErrSyntax)
		return
	}
	o, ok := c.ReadType(c.Key(1), keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		c.W.Array(0)
		return
	}
	if count == 0 {
		c.W.NullArray()
		return
	}
	writeStreamRange(c.W, streamVal(o), start, end, rev, max(count, 0))
}

// writeStreamRange writes the entries in [start, end] (at most count, 0 = all) as an array.
func writeStreamRange(w *resp.Writer, s *stream.Stream, start, end stream.ID, rev bool, count int64) {
	var body resp.Writer
	body.Proto = w.Proto
	var n int64
	s.Range(start, end, rev, func(e stream.Entry) bool {
		writeStreamEntry(&body, e)
		n++
		return count == 0 || n < count
	})
	w.Array(int(n))
	w.Raw(body.Buf)
}

func xdelCmd(c *Ctx) {
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	ids, ok := parseStrictIDs(c, c.Args[2:])
	if !ok {
		return
	}
	n := streamVal(o).Delete(ids)
	if n > 0 {
		c.DB.Modified(key)
		c.Notify(NotifyStream, "xdel", key)
		c.Changed(int(n))
	}
	c.W.Int(n)
}

func xtrimCmd(c *Ctx) {
	a, ok := parseAddTrim(c, false)
	if !ok {
		return
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		c.W.Int(0)
		return
	}
	s := streamVal(o)
	n := s.Trim(a.trim)
	if n > 0 {
		c.Notify(NotifyStream, "xtrim", key)
		c.DB.Modified(key)
		c.Changed(int(n))
		if a.trim.Approx {
			c.Propagate(exactTrimArgs(slices.Clone(c.Args), a, s)...)
		}
	}
	c.W.Int(n)
}

// xreadRerunMark replaces the BLOCK argument of a parked XREAD/XREADGROUP. The server runs the
// same argument vector again whenever one of the keys is written; finding this very slice
// there (no client argument can alias it) tells the handler that it is serving a blocked
// client, which Redis does under other rules: XREAD keeps waiting on keys that are missing or
// of another type while XREADGROUP fails, a vanished group is reported differently, and
// COUNT defaults to 1000.
var xreadRerunMark = []byte("0")

func xreadIsRerun(b []byte) bool { return len(b) == 1 && &b[0] == &xreadRerunMark[0] }

// xreadBlockedCount is XREAD_BLOCKED_DEFAULT_COUNT, the COUNT of a served blocked read.
const xreadBlockedCount = 1000

func xreadGeneric(c *Ctx, group bool) {
	timeout := int64(-1)
	var count int64
	streamsArg, nstreams, blockArg := 0, 0, 0
	var groupName, consumerName []byte
	noack, rerun := false, false
	for i := 1; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		o := c.Args[i]
		switch {
		case xArgIs(o, "block") && more > 0:
			i++
			blockArg, rerun = i, xreadIsRerun(c.Args[i])
			t, ok := ParseInt(c.Args[i])
			if !ok {
				c.Err(errXreadTimeout)
				return
			}
			if t < 0 {
				c.Err("ERR timeout is negative")
				return
			}
			timeout = t
		case xArgIs(o, "count") && more > 0:
			i++
			n, ok := c.ArgInt(i)
			if !ok {
				return
			}
			count = max(n, 0)
		case xArgIs(o, "streams") && more > 0:
			streamsArg = i + 1
			nstreams = len(c.Args) - streamsArg
			if nstreams%2 != 0 {
				sym := "$"
				if group {
					sym = ">"
				}
				c.Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '" + sym + "' must be specified.")
				return
			}
			nstreams /= 2
			i = len(c.Args)
		case xArgIs(o, "group") && more >= 2:
			if !group {
				c.Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			groupName, consumerName = c.Args[i+1], c.Args[i+2]
			i += 2
		case xArgIs(o, "noack"):
			if !group {
				c.Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
				return
			}
			noack = true
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if streamsArg == 0 {
		c.Err(ErrSyntax)
		return
	}
	if group && groupName == nil {
		c.Err("ERR Missing GROUP option for XREADGROUP")
		return
	}
	keys := make([]string, nstreams)
	for k := range keys {
		keys[k] = c.Key(streamsArg + k)
	}
	onTimeout := func(w *resp.Writer) { w.NullArray() }
	// lookup finds a stream; a blocked client being served ignores keys that are not
	// streams and counts no keyspace hits, as Redis serves it without a command lookup.
	lookup := func(key string) (*keyspace.Object, bool) {
		if !rerun {
			return c.ReadType(key, keyspace.TypeStream)
		}
		if o := c.Lookup(key); o != nil && o.Type == keyspace.TypeStream {
			return o, true
		}
		return nil, true
	}
	if rerun && count == 0 {
		count = xreadBlockedCount
	}
	ids := make([]stream.ID, nstreams)
	groups := make([]*stream.Group, nstreams)
	objs := make([]*keyspace.Object, nstreams)
	// newOnly marks XREADGROUP's ">" (Redis encodes it as the maximum id).
	newOnly := make([]bool, nstreams)
	dollar := make([]bool, nstreams)
	for k, key := range keys {
		arg := c.Args[streamsArg+nstreams+k]
		o, ok := lookup(key)
		if !ok {
			return
		}
		objs[k] = o
		if group {
			var g *stream.Group
			if o != nil {
				g = streamVal(o).Group(string(groupName))
			}
			switch {
			case g != nil:
			case rerun && o == nil:
				c.Err("UNBLOCKED the stream key no longer exists")
				return
			case rerun:
				c.Err("NOGROUP the consumer group this client was blocked on no longer exists")
				return
			default:
				c.Err("NOGROUP No such key '" + key + "' or consumer group '" + string(groupName) + "' in XREADGROUP with GROUP option")
				return
			}
			groups[k] = g
		}
		switch streamCStr(arg) {
		case "$":
			if group {
				c.Err("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.")
				return
			}
			if o != nil {
				ids[k] = streamVal(o).LastID()
			}
			dollar[k] = true
			continue
		case ">":
			if !group {
				c.Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
				return
			}
			ids[k], newOnly[k] = stream.MaxID, true
			continue
		}
		id, ok := parseStrictID(c, arg)
		if !ok {
			return
		}
		ids[k] = id
		newOnly[k] = group && id == stream.MaxID
	}

	if group {
		// XREADGROUP never replays as itself: what it changed in the groups goes out as the
		// XCLAIM and XGROUP commands that groupReader records.
		c.Propagate()
	}
	var body resp.Writer
	body.Proto = c.W.Proto
	served := 0
	for k, key := range keys {
		o := objs[k]
		if !rerun {
			o = c.Read(key) // Redis looks every key up a second time here
		}
		if o == nil {
			continue
		}
		s := streamVal(o)
		gt := ids[k]
		serve, history := false, false
		if group {
			g := groups[k]
			if !newOnly[k] {
				serve, history = true, true
			} else if s.Len() > 0 && g.LastID.Less(s.LastValidID()) {
				serve, gt = true, g.LastID
			}
		} else if s.Len() > 0 && gt.Less(s.LastValidID()) {
			serve = true
		}
		if !serve {
			continue
		}
		served++
		if body.Proto < 3 {
			body.Array(2)
		}
		body.BulkString(key)
		start, _ := gt.Incr()
		if !group {
			writeStreamRange(&body, s, start, stream.MaxID, false, count)
			continue
		}
		// As in Redis, a consumer comes into being only when it is served.
		r := groupReader{c: c, key: c.Args[streamsArg+k], group: groupName, g: groups[k], noack: noack,
			created: groups[k].Consumer(string(consumerName)) == nil}
		r.consumer = streamConsumerFor(c, groups[k], string(consumerName), key)
		if history {
			r.history(&body, s, start, count)
		} else {
			r.newEntries(&body, s, start, count)
		}
		c.Changed(1)
	}
	if served > 0 {
		if c.W.Proto < 3 {
			c.W.Array(served)
		} else {
			c.W.Map(served)
		}
		c.W.Raw(body.Buf)
		return
	}
	if timeout < 0 {
		c.W.NullArray()
		return
	}
	// A deadline past the int64 range waits forever, as Redis's overflowing sum does.
	deadline := int64(0)
	if timeout > 0 && timeout <= 1<<63-1-c.Now {
		deadline = c.Now + timeout
	}
	// The re-run must see "$" as the last id as of this first call, and know it is a re-run.
	for k := range keys {
		if dollar[k] {
			c.Args[streamsArg+nstreams+k] = ids[k].Append(nil)
		}
	}
	c.Args[blockArg] = xreadRerunMark
	c.Block(keys, deadline, onTimeout)
}

// groupReader serves XREADGROUP for one stream and records what replaying it takes: an
// XCLAIM per entry entering the pending list, or with NOACK the group's new last id, and the
// consumer's creation, which only an XCLAIM would have implied. key and group are as the
// client named them, as Redis propagates them.
type groupReader struct {
	c        *Ctx
	key      []byte
	group    []byte
	g        *stream.Group
	consumer *stream.Consumer
	created  bool // this read brought the consumer into being
	noack    bool
}

// newEntries serves ">": the entries after start, each advancing the group and (unless
// noack) entering the consumer's pending list.
func (r *groupReader) newEntries(w *resp.Writer, s *stream.Stream, start stream.ID, count int64) {
	var body resp.Writer
	body.Proto = w.Proto
	var n int64
	s.Range(start, stream.MaxID, false, func(e stream.Entry) bool {
		s.Delivered(r.g, e.ID)
		writeStreamEntry(&body, e)
		if !r.noack {
			r.g.Deliver(e.ID, r.consumer, r.c.Now)
			propagateXclaim(r.c, r.key, r.group, r.consumer, e.ID.Append(nil), r.g.PEL.Get(e.ID), r.g.LastID)
		}
		n++
		return count == 0 || n < count
	})
	w.Array(int(n))
	w.Raw(body.Buf)
	if r.noack {
		r.propagateCreated()
		if n > 0 {
			propagateGroupID(r.c, r.key, r.group, r.g)
		}
	}
}

// history serves an explicit id: the consumer's own pending entries from start, counting a
// new delivery of each that still exists. Redis propagates none of those counts.
func (r *groupReader) history(w *resp.Writer, s *stream.Stream, start stream.ID, count int64) {
	var body resp.Writer
	body.Proto = w.Proto
	var n int64
	for it := r.consumer.PEL.Seek(start); it.Valid() && (count == 0 || n < count); it.Next() {
		if e, ok := s.Get(it.ID()); ok {
			writeStreamEntry(&body, e)
			nack := it.NACK()
			nack.DeliveryTime = r.c.Now
			nack.DeliveryCount++
		} else {
			body.Array(2)
			writeStreamID(&body, it.ID())
			body.NullArray()
		}
		n++
	}
	w.Array(int(n))
	w.Raw(body.Buf)
	if r.noack {
		r.propagateCreated()
	}
}

func (r *groupReader) propagateCreated() {
	if r.created {
		r.c.Propagate([]byte("XGROUP"), []byte("CREATECONSUMER"), r.key, r.group, []byte(r.consumer.Name))
	}
}

// propagateXclaim records the pending entry nack of id, owned by its consumer, as the XCLAIM
// that recreates it exactly wherever it is replayed: FORCE creates the entry if missing, TIME
// and RETRYCOUNT copy it, LASTID carries the group's last id along. Replayed against a stream
// that lacks the entry, it deletes the pending entry, so it also propagates that deletion.
func propagateXclaim(c *Ctx, key, group []byte, consumer *stream.Consumer, id []byte, nack *stream.NACK, lastID stream.ID) {
	c.Propagate([]byte("XCLAIM"), key, group, []byte(consumer.Name), []byte("0"), id,
		[]byte("TIME"), propInt(nack.DeliveryTime), []byte("RETRYCOUNT"), propInt(nack.DeliveryCount),
		[]byte("FORCE"), []byte("JUSTID"), []byte("LASTID"), lastID.Append(nil))
}

// propagateGroupID records the group's last id and read counter as XGROUP SETID.
func propagateGroupID(c *Ctx, key, group []byte, g *stream.Group) {
	c.Propagate([]byte("XGROUP"), []byte("SETID"), key, group, g.LastID.Append(nil),
		[]byte("ENTRIESREAD"), propInt(g.EntriesRead))
}

func xackCmd(c *Ctx) {
	o, ok := c.ReadType(c.Key(1), keyspace.TypeStream)
	if !ok {
		return
	}
	var g *stream.Group
	if o != nil {
		g = streamVal(o).Group(string(c.Args[2]))
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	ids, ok := parseStrictIDs(c, c.Args[3:])
	if !ok {
		return
	}
	var n int64
	for _, id := range ids {
		if g.Ack(id) {
			n++
		}
	}
	c.Changed(int(n))
	c.W.Int(n)
}

func streamNoGroupErr(c *Ctx, key, group string) {
	c.Err("NOGROUP No such key '" + key + "' or consumer group '" + group + "'")
}

// streamGroupOf finds the group named by c.Args[2] in the stream o (which may be nil),
// replying NOGROUP when either is missing.
func streamGroupOf(c *Ctx, key string, o *keyspace.Object) (*stream.Group, bool) {
	var g *stream.Group
	if o != nil {
		g = streamVal(o).Group(string(c.Args[2]))
	}
	if g == nil {
		streamNoGroupErr(c, key, string(c.Args[2]))
		return nil, false
	}
	return g, true
}

func xpendingCmd(c *Ctx) {
	argc := len(c.Args)
	if argc != 3 && (argc < 6 || argc > 9) {
		c.Err(ErrSyntax)
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumerName []byte
	if argc >= 6 {
		si := 3
		if xArgIs(c.Args[3], "idle") {
			n, ok := c.ArgInt(4)
			if !ok {
				return
			}
			minIdle = n
			if argc < 8 {
				c.Err(ErrSyntax)
				return
			}
			si += 2
		}
		n, ok := c.ArgInt(si + 2)
		if !ok {
			return
		}
		count = max(n, 0)
		if start, ok = parseStreamStart(c, c.Args[si]); !ok {
			return
		}
		if end, ok = parseStreamEnd(c, c.Args[si+1]); !ok {
			return
		}
		if si+3 < argc {
			consumerName = c.Args[si+3]
		}
	}
	key := c.Key(1)
	o, ok := c.ReadType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	g, ok := streamGroupOf(c, key, o)
	if !ok {
		return
	}
	if argc == 3 {
		c.W.Array(4)
		c.W.Int(int64(g.PEL.Len()))
		if g.PEL.Len() == 0 {
			c.W.Null()
			c.W.Null()
			c.W.NullArray()
			return
		}
		it := g.PEL.Seek(stream.ID{})
		writeStreamID(c.W, it.ID())
		last, _ := g.PEL.Last()
		writeStreamID(c.W, last)
		var body resp.Writer
		body.Proto = c.W.Proto
		n := 0
		for _, cons := range g.Consumers() {
			if cons.PEL.Len() == 0 {
				continue
			}
			body.Array(2)
			body.BulkString(cons.Name)
			body.BulkInt(int64(cons.PEL.Len()))
			n++
		}
		c.W.Array(n)
		c.W.Raw(body.Buf)
		return
	}
	pel := g.PEL
	if consumerName != nil {
		cons := g.Consumer(string(consumerName))
		if cons == nil {
			c.W.Array(0)
			return
		}
		pel = cons.PEL
	}
	var body resp.Writer
	body.Proto = c.W.Proto
	n := 0
	for it := pel.Seek(start); count > 0 && it.Valid() && !end.Less(it.ID()); it.Next() {
		nack := it.NACK()
		if minIdle != 0 && c.Now-nack.DeliveryTime < minIdle {
			continue
		}
		n++
		count--
		body.Array(4)
		writeStreamID(&body, it.ID())
		body.BulkString(nack.Consumer.Name)
		body.Int(max(c.Now-nack.DeliveryTime, 0))
		body.Int(nack.DeliveryCount)
	}
	c.W.Array(n)
	c.W.Raw(body.Buf)
}

// streamConsumerFor returns g's consumer called name, seen now, creating it (with its event)
// if needed.
func streamConsumerFor(c *Ctx, g *stream.Group, name, key string) *stream.Consumer {
	if cons := g.Consumer(name); cons != nil {
		cons.SeenTime = c.Now
		return cons
	}
	cons := g.CreateConsumer(name, c.Now)
	c.Notify(NotifyStream, "xgroup-createconsumer", key)
	c.Changed(1)
	return cons
}

func xclaimCmd(c *Ctx) {
	key := c.Key(1)
	o, ok := c.ReadType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	g, ok := streamGroupOf(c, key, o)
	if !ok {
		return
	}
	s := streamVal(o)
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.Err("ERR Invalid min-idle-time argument for XCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	for ; j < len(c.Args); j++ {
		if _, _, ok := stream.ParseID(c.Args[j], true, 0, false); !ok {
			break
		}
	}
	lastIDArg := j - 1
	now := c.Now
	retryCount, deliveryTime := int64(-1), int64(-1)
	force, justID := false, false
	var lastID stream.ID
	for ; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		opt := c.Args[j]
		switch {
		case xArgIs(opt, "force"):
			force = true
		case xArgIs(opt, "justid"):
			justID = true
		case xArgIs(opt, "idle") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Err("ERR Invalid IDLE option argument for XCLAIM")
				return
			}
			deliveryTime = now - n
		case xArgIs(opt, "time") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Err("ERR Invalid TIME option argument for XCLAIM")
				return
			}
			deliveryTime = n
		case xArgIs(opt, "retrycount") && more > 0:
			j++
			n, ok := ParseInt(c.Args[j])
			if !ok {
				c.Err("ERR Invalid RETRYCOUNT option argument for XCLAIM")
				return
			}
			retryCount = n
		case xArgIs(opt, "lastid") && more > 0:
			j++
			id, ok := parseStrictID(c, c.Args[j])
			if !ok {
				return
			}
			lastID = id
		default:
			c.Err("ERR Unrecognized XCLAIM option '" + string(opt) + "'")
			return
		}
	}
	// XCLAIM replays as the XCLAIMs of what it changed, in a form that does not depend on
	// the clock or on idle times.
	c.Propagate()
	// A LASTID that moves the group goes out as XGROUP SETID, unless an XCLAIM carries it.
	propagateLastID := false
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		c.Changed(1)
		propagateLastID = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	var consumer *stream.Consumer
	var body resp.Writer
	body.Proto = c.W.Proto
	n := 0
	for k := 5; k <= lastIDArg; k++ {
		id, _, _ := stream.ParseID(c.Args[k], true, 0, false)
		nack := g.PEL.Get(id)
		if _, exists := s.Get(id); !exists {
			if nack != nil {
				propagateXclaim(c, c.Args[1], c.Args[2], nack.Consumer, c.Args[k], nack, g.LastID)
				propagateLastID = false
				g.Ack(id)
				c.Changed(1)
			}
			continue
		}
		if force && nack == nil {
			nack = &stream.NACK{DeliveryTime: now, DeliveryCount: 1}
			g.PEL.Insert(id, nack)
		}
		if nack == nil {
			continue
		}
		if nack.Consumer != nil && minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer = streamConsumerFor(c, g, string(c.Args[3]), key)
		}
		nack.DeliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.DeliveryCount = retryCount
		} else if !justID {
			nack.DeliveryCount++
		}
		g.Claim(id, nack, consumer)
		propagateXclaim(c, c.Args[1], c.Args[2], consumer, c.Args[k], nack, g.LastID)
		propagateLastID = false
		if justID {
			writeStreamID(&body, id)
		} else {
			writeStreamEntryOrNull(&body, s, id)
		}
		n++
		c.Changed(1)
	}
	if propagateLastID {
		propagateGroupID(c, c.Args[1], c.Args[2], g)
	}
	c.W.Array(n)
	c.W.Raw(body.Buf)
}

// xautoclaimMaxCount bounds COUNT as Redis does (LONG_MAX / 16), so that count * attempts
// cannot overflow (CVE-2022-31144 came from an unbounded count sizing an allocation).
const xautoclaimMaxCount = (1<<63 - 1) / 16

// xautoclaimAllocLimit stands for the point where Redis fails to allocate COUNT ids up front
// (16 bytes each) and replies "Insufficient memory": on x86-64 Linux that happens between
// 10 and 90 TB; we need no such allocation, but keep the reply for counts that large.
const xautoclaimAllocLimit = 1 << 41

func xautoclaimCmd(c *Ctx) {
	key := c.Key(1)
	o := c.Read(key)
	minIdle, ok := ParseInt(c.Args[4])
	if !ok {
		c.Err("ERR Invalid min-idle-time argument for XAUTOCLAIM")
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := parseStreamStart(c, c.Args[5])
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch opt := c.Args[j]; {
		case xArgIs(opt, "count") && more > 0:
			n, ok := ParseInt(c.Args[j+1])
			if !ok || n < 1 || n > xautoclaimMaxCount {
				c.Err("ERR COUNT must be > 0")
				return
			}
			count = n
			j++
		case xArgIs(opt, "justid"):
			justID = true
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	if o != nil && o.Type != keyspace.TypeStream {
		c.Err(ErrWrongType)
		return
	}
	g, ok := streamGroupOf(c, key, o)
	if !ok {
		return
	}
	if count > xautoclaimAllocLimit {
		c.Err("ERR Insufficient memory, failed allocating transient memory, COUNT too high.")
		return
	}
	s := streamVal(o)
	now := c.Now
	// XAUTOCLAIM replays as the XCLAIM of each entry it claimed or found deleted.
	c.Propagate()
	attempts := count * 10
	var consumer *stream.Consumer
	var deleted []stream.ID
	var body resp.Writer
	body.Proto = c.W.Proto
	n := 0
	it := g.PEL.Seek(start)
	for ; attempts > 0 && count > 0 && it.Valid(); it.Next() {
		attempts--
		id, nack := it.ID(), it.NACK()
		if _, exists := s.Get(id); !exists {
			propagateXclaim(c, c.Args[1], c.Args[2], nack.Consumer, id.Append(nil), nack, g.LastID)
			g.Ack(id)
			c.Changed(1)
			deleted = append(deleted, id)
			count--
			continue
		}
		if minIdle != 0 && now-nack.DeliveryTime < minIdle {
			continue
		}
		if consumer == nil {
			consumer = streamConsumerFor(c, g, string(c.Args[3]), key)
		}
		nack.DeliveryTime = now
		if !justID {
			nack.DeliveryCount++
		}
		g.Claim(id, nack, consumer)
		propagateXclaim(c, c.Args[1], c.Args[2], consumer, id.Append(nil), nack, g.LastID)
		if justID {
			writeStreamID(&body, id)
		} else {
			writeStreamEntryOrNull(&body, s, id)
		}
		n++
		count--
		c.Changed(1)
	}
	c.W.Array(3)
	var next stream.ID
	if it.Valid() {
		next = it.ID()
	}
	writeStreamID(c.W, next)
	c.W.Array(n)
	c.W.Raw(body.Buf)
	c.W.Array(len(deleted))
	for _, id := range deleted {
		writeStreamID(c.W, id)
	}
}

func xsetidCmd(c *Ctx) {
	id, ok := parseStrictID(c, c.Args[2])
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel stream.ID
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch opt := c.Args[i]; {
		case xArgIs(opt, "entriesadded") && more > 0:
			n, ok := c.ArgInt(i + 1)
			if !ok {
				return
			}
			if n < 0 {
				c.Err("ERR entries_added must be positive")
				return
			}
			entriesAdded = n
		case xArgIs(opt, "maxdeletedid") && more > 0:
			m, ok := parseStrictID(c, c.Args[i+1])
			if !ok {
				return
			}
			if id.Less(m) {
				c.Err("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
				return
			}
			maxDel = m
		default:
			c.Err(ErrSyntax)
			return
		}
	}
	key := c.Key(1)
	o, ok := c.LookupType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	if o == nil {
		c.Err(ErrNoSuchKey)
		return
	}
	s := streamVal(o)
	if s.Len() > 0 {
		if id.Less(s.LastValidID()) {
			c.Err("ERR The ID specified in XSETID is smaller than the target stream top item")
			return
		}
		if entriesAdded != -1 && s.Len() > entriesAdded {
			c.Err("ERR The entries_added specified in XSETID is smaller than the target stream length")
			return
		}
	}
	s.SetID(id, entriesAdded, maxDel)
	c.W.OK()
	c.DB.Modified(key)
	c.Notify(NotifyStream, "xsetid", key)
	c.Changed(1)
}

func xgroupHelp(c *Ctx) {
	WriteHelp(c, "XGROUP", []string{
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
	})
}

func xinfoHelp(c *Ctx) {
	WriteHelp(c, "XINFO", []string{
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
	})
}

// xgroupCmd runs the XGROUP subcommands with one parser, as Redis does, so that option
// errors take precedence over missing keys and groups in the same order.
func xgroupCmd(c *Ctx) {
	sub := c.Spec.Name[len("xgroup|"):]
	create, setid := sub == "create", sub == "setid"
	mkstream := false
	entriesRead := int64(-1)
	for i := 5; i < len(c.Args); {
		switch {
		case create && xArgIs(c.Args[i], "mkstream"):
			mkstream = true
			i++
		case (create || setid) && xArgIs(c.Args[i], "entriesread") && i+1 < len(c.Args):
			n, ok := c.ArgInt(i + 1)
			if !ok {
				return
			}
			if n < 0 && n != -1 {
				c.Err("ERR value for ENTRIESREAD must be positive or -1")
				return
			}
			entriesRead = n
			i += 2
		default:
			xSubcommandSyntaxErr(c)
			return
		}
	}
	key := c.Key(2)
	o, ok := c.LookupType(key, keyspace.TypeStream)
	if !ok {
		return
	}
	var s *stream.Stream
	if o != nil {
		s = streamVal(o)
	}
	groupName := string(c.Args[3])
	var g *stream.Group
	if !mkstream {
		if s == nil {
			c.Err(errXgroupNoKey)
			return
		}
		g = s.Group(groupName)
		if g == nil && !create && sub != "destroy" {
			c.Err("NOGROUP No such consumer group '" + groupName + "' for key name '" + key + "'")
			return
		}
	}
	switch sub {
	case "create":
		if len(c.Args) > 8 {
			xSubcommandSyntaxErr(c)
			return
		}
		var id stream.ID
		if streamCStr(c.Args[4]) == "$" {
			if s != nil {
				id = s.LastID()
			}
		} else if id, ok = parseStrictID(c, c.Args[4]); !ok {
			return
		}
		if s == nil {
			s = stream.New()
			c.DB.Set(key, keyspace.Stamped(keyspace.Object{Type: keyspace.TypeStream, Val: s}, c.Now), false)
			c.Notify(NotifyNew, "new", key)
		}
		if s.CreateGroup(groupName, id, entriesRead) == nil {
			c.Err(errBusyGroup)
			return
		}
		c.W.OK()
		c.Changed(1)
		c.Notify(NotifyStream, "xgroup-create", key)
	case "setid":
		if len(c.Args) != 5 && len(c.Args) != 7 {
			xSubcommandSyntaxErr(c)
			return
		}
		var id stream.ID
		if streamCStr(c.Args[4]) == "$" {
			id = s.LastID()
		} else {
			var ok bool
			if id, _, ok = stream.ParseID(c.Args[4], false, 0, false); !ok {
				c.Err(errStreamID)
				return
			}
		}
		g.LastID, g.EntriesRead = id, entriesRead
		c.W.OK()
		c.Changed(1)
		c.Notify(NotifyStream, "xgroup-setid", key)
	case "destroy":
		if g == nil {
			c.W.Int(0)
			return
		}
		s.DestroyGroup(groupName)
		c.W.Int(1)
		c.Changed(1)
		c.Notify(NotifyStream, "xgroup-destroy", key)
		// Wakes XREADGROUP clients blocked on the group, which then get NOGROUP.
		c.DB.Modified(key)
	case "createconsumer":
		if g.CreateConsumer(string(c.Args[4]), c.Now) == nil {
			c.W.Int(0)
			return
		}
		c.Notify(NotifyStream, "xgroup-createconsumer", key)
		c.Changed(1)
		c.W.Int(1)
	case "delconsumer":
		name := string(c.Args[4])
		if g.Consumer(name) == nil {
			c.W.Int(0)
			return
		}
		c.W.Int(g.DeleteConsumer(name))
		c.Changed(1)
		c.Notify(NotifyStream, "xgroup-delconsumer", key)
	}
}

// xinfoLookup finds the stream XINFO describes, replying "no such key" when it is absent.
func xinfoLookup(c *Ctx) *stream.Stream {
	o, ok := c.ReadType(c.Key(2), keyspace.TypeStream)
	if !ok {
		return nil
	}
	if o == nil {
		c.Err(ErrNoSuchKey)
		return nil
	}
	return streamVal(o)
}

func xinfoConsumers(c *Ctx) {
	s := xinfoLookup(c)
	if s == nil {
		return
	}
	g := s.Group(string(c.Args[3]))
	if g == nil {
		c.Err("NOGROUP No such consumer group '" + string(c.Args[3]) + "' for key name '" + c.Key(2) + "'")
		return
	}
	c.W.Array(g.NumConsumers())
	for _, cons := range g.Consumers() {
		c.W.Map(3)
		c.W.BulkString("name")
		c.W.BulkString(cons.Name)
		c.W.BulkString("pending")
		c.W.Int(int64(cons.PEL.Len()))
		c.W.BulkString("idle")
		c.W.Int(max(c.Now-cons.SeenTime, 0))
	}
}

func writeLag(w *resp.Writer, s *stream.Stream, g *stream.Group) {
	if lag, ok := s.Lag(g); ok {
		w.Int(lag)
	} else {
		w.Null()
	}
}

func writeEntriesRead(w *resp.Writer, g *stream.Group) {
	if g.EntriesRead != -1 {
		w.Int(g.EntriesRead)
	} else {
		w.Null()
	}
}

func xinfoGroups(c *Ctx) {
	s := xinfoLookup(c)
	if s == nil {
		return
	}
	c.W.Array(s.NumGroups())
	for _, g := range s.Groups() {
		c.W.Map(6)
		c.W.BulkString("name")
		c.W.BulkString(g.Name)
		c.W.BulkString("consumers")
		c.W.Int(int64(g.NumConsumers()))
		c.W.BulkString("pending")
		c.W.Int(int64(g.PEL.Len()))
		c.W.BulkString("last-delivered-id")
		writeStreamID(c.W, g.LastID)
		c.W.BulkString("entries-read")
		writeEntriesRead(c.W, g)
		c.W.BulkString("lag")
		writeLag(c.W, s, g)
	}
}

func xinfoStream(c *Ctx) {
	s := xinfoLookup(c)
	if s == nil {
		return
	}
	full := false
	count := int64(10)
	if rest := c.Args[3:]; len(rest) > 0 {
		if !xArgIs(rest[0], "full") || len(rest) == 2 || len(rest) > 3 || len(rest) == 3 && !xArgIs(rest[1], "count") {
			xSubcommandSyntaxErr(c)
			return
		}
		full = true
		if len(rest) == 3 {
			n, ok := c.ArgInt(5)
			if !ok {
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	w := c.W
	if full {
		w.Map(9)
	} else {
		w.Map(10)
	}
	w.BulkString("length")
	w.Int(s.Len())
	w.BulkString("radix-tree-keys")
	w.Int(int64(s.Nodes()))
	w.BulkString("radix-tree-nodes")
	w.Int(s.RadixNodes())
	w.BulkString("last-generated-id")
	writeStreamID(w, s.LastID())
	w.BulkString("max-deleted-entry-id")
	writeStreamID(w, s.MaxDeletedID())
	w.BulkString("entries-added")
	w.Int(s.EntriesAdded())
	w.BulkString("recorded-first-entry-id")
	writeStreamID(w, s.FirstID())
	if !full {
		w.BulkString("groups")
		w.Int(int64(s.NumGroups()))
		for _, last := range []bool{false, true} {
			if last {
				w.BulkString("last-entry")
			} else {
				w.BulkString("first-entry")
			}
			found := false
			s.Range(stream.ID{}, stream.MaxID, last, func(e stream.Entry) bool {
				writeStreamEntry(w, e)
				found = true
				return false
			})
			if !found {
				w.Null()
			}
		}
		return
	}
	w.BulkString("entries")
	writeStreamRange(w, s, stream.ID{}, stream.MaxID, false, count)
	w.BulkString("groups")
	w.Array(s.NumGroups())
	for _, g := range s.Groups() {
		w.Map(7)
		w.BulkString("name")
		w.BulkString(g.Name)
		w.BulkString("last-delivered-id")
		writeStreamID(w, g.LastID)
		w.BulkString("entries-read")
		writeEntriesRead(w, g)
		w.BulkString("lag")
		writeLag(w, s, g)
		w.BulkString("pel-count")
		w.Int(int64(g.PEL.Len()))
		w.BulkString("pending")
		var body resp.Writer
		body.Proto = w.Proto
		var n int64
		for it := g.PEL.Seek(stream.ID{}); it.Valid() && (count == 0 || n < count); it.Next() {
			nack := it.NACK()
			body.Array(4)
			writeStreamID(&body, it.ID())
			body.BulkString(nack.Consumer.Name)
			body.Int(nack.DeliveryTime)
			body.Int(nack.DeliveryCount)
			n++
		}
		w.Array(int(n))
		w.Raw(body.Buf)
		w.BulkString("consumers")
		w.Array(g.NumConsumers())
		for _, cons := range g.Consumers() {
			w.Map(4)
			w.BulkString("name")
			w.BulkString(cons.Name)
			w.BulkString("seen-time")
			w.Int(cons.SeenTime)
			w.BulkString("pel-count")
			w.Int(int64(cons.PEL.Len()))
			w.BulkString("pending")
			body.Reset()
			n = 0
			for it := cons.PEL.Seek(stream.ID{}); it.Valid() && (count == 0 || n < count); it.Next() {
				nack := it.NACK()
				body.Array(3)
				writeStreamID(&body, it.ID())
				body.Int(nack.DeliveryTime)
				body.Int(nack.DeliveryCount)
				n++
			}
			w.Array(int(n))
			w.Raw(body.Buf)
		}
	}
}
