package stream

import (
	"sort"
)

// NACK is a pending entry: delivered to Consumer and not yet acknowledged.
type NACK struct {
	DeliveryTime  int64 // unix ms
	DeliveryCount int64
	Consumer      *Consumer
}

// Consumer is one consumer of a group, with its own pending entries.
type Consumer struct {
	Name     string
	SeenTime int64
	PEL      *PEL
}

// Group is a consumer group.
type Group struct {
	Name        string
	LastID      ID
	EntriesRead int64 // -1 when unknown
	PEL         *PEL
	consumers   map[string]*Consumer
	names       []string // sorted
}

// Group returns the group called name.
func (s *Stream) Group(name string) *Group { return s.groups[name] }

// Groups returns the groups in name order.
func (s *Stream) Groups() []*Group {
	out := make([]*Group, len(s.groupNames))
	for i, n := range s.groupNames {
		out[i] = s.groups[n]
	}
	return out
}

func (s *Stream) NumGroups() int { return len(s.groupNames) }

// CreateGroup adds a group; it returns nil if the name is taken.
func (s *Stream) CreateGroup(name string, last ID, entriesRead int64) *Group {
	if _, dup := s.groups[name]; dup {
		return nil
	}
	g := &Group{Name: name, LastID: last, EntriesRead: entriesRead, PEL: newPEL(), consumers: map[string]*Consumer{}}
	s.addGroup(g)
	return g
}

func (s *Stream) addGroup(g *Group) {
	if s.groups == nil {
		s.groups = map[string]*Group{}
	}
	s.groups[g.Name] = g
	s.groupNames = insertSorted(s.groupNames, g.Name)
}

// DestroyGroup removes the group called name and reports whether it existed.
func (s *Stream) DestroyGroup(name string) bool {
	if _, ok := s.groups[name]; !ok {
		return false
	}
	delete(s.groups, name)
	s.groupNames = removeSorted(s.groupNames, name)
	return true
}

func insertSorted(names []string, name string) []string {
	i := sort.SearchStrings(names, name)
	names = append(names, "")
	copy(names[i+1:], names[i:])
	names[i] = name
	return names
}

func removeSorted(names []string, name string) []string {
	i := sort.SearchStrings(names, name)
	return append(names[:i], names[i+1:]...)
}

// Consumer returns the consumer called name, or nil.
func (g *Group) Consumer(name string) *Consumer { return g.consumers[name] }

// Consumers returns the consumers in name order.
func (g *Group) Consumers() []*Consumer {
	out := make([]*Consumer, len(g.names))
	for i, n := range g.names {
		out[i] = g.consumers[n]
	}
	return out
}

func (g *Group) NumConsumers() int { return len(g.names) }

// CreateConsumer adds a consumer seen at now; nil if it exists.
func (g *Group) CreateConsumer(name string, now int64) *Consumer {
	if _, dup := g.consumers[name]; dup {
		return nil
	}
	c := &Consumer{Name: name, SeenTime: now, PEL: newPEL()}
	g.consumers[name] = c
	g.names = insertSorted(g.names, name)
	return c
}

// DeleteConsumer removes a consumer and its pending entries from the group, returning how
// many entries it had pending (0 if it did not exist).
func (g *Group) DeleteConsumer(name string) int64 {
	c := g.consumers[name]
	if c == nil {
		return 0
	}
	pending := int64(c.PEL.Len())
	for it := c.PEL.Seek(ID{}); it.Valid(); it.Next() {
		g.PEL.Delete(it.ID())
	}
	delete(g.consumers, name)
	g.names = removeSorted(g.names, name)
	return pending
}

// Ack removes id from the group's and its consumer's pending lists.
func (g *Group) Ack(id ID) bool {
	n := g.PEL.Get(id)
	if n == nil {
		return false
	}
	g.PEL.Delete(id)
	if n.Consumer != nil {
		n.Consumer.PEL.Delete(id)
	}
	return true
}

// Deliver records that id was delivered to c at now (XREADGROUP ">"): a new pending entry,
// or an existing one reassigned to c with its counter reset, as after XGROUP SETID.
func (g *Group) Deliver(id ID, c *Consumer, now int64) {
	if n := g.PEL.Get(id); n != nil {
		if n.Consumer != nil {
			n.Consumer.PEL.Delete(id)
		}
		n.Consumer, n.DeliveryTime, n.DeliveryCount = c, now, 1
		c.PEL.Insert(id, n)
		return
	}
	n := &NACK{DeliveryTime: now, DeliveryCount: 1, Consumer: c}
	g.PEL.Insert(id, n)
	c.PEL.Insert(id, n)
}

// Claim moves the pending entry n of id to c (XCLAIM, XAUTOCLAIM).
func (g *Group) Claim(id ID, n *NACK, c *Consumer) {
	if n.Consumer == c {
		return
	}
	if n.Consumer != nil {
		n.Consumer.PEL.Delete(id)
	}
	c.PEL.Insert(id, n)
	n.Consumer = c
}

// memoryUsage follows Redis's estimate of a group: its PEL tree and NACKs, and each
// consumer's name and PEL tree (the NACKs are shared). A PEL tree is taken to have about two
// nodes per entry, since computing its shape would cost a walk of every id.
func (g *Group) memoryUsage() int64 {
	pel := int64(g.PEL.Len())
	n := 48 + raxEstimate(pel, 2*pel+1) + 24*pel
	for _, c := range g.consumers {
		cp := int64(c.PEL.Len())
		n += 40 + int64(len(c.Name)) + raxEstimate(cp, 2*cp+1)
	}
	return n
}

func (g *Group) clone() *Group {
	c := &Group{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead, PEL: newPEL(),
		consumers: make(map[string]*Consumer, len(g.consumers)), names: append([]string(nil), g.names...)}
	for name, old := range g.consumers {
		c.consumers[name] = &Consumer{Name: name, SeenTime: old.SeenTime, PEL: newPEL()}
	}
	for it := g.PEL.Seek(ID{}); it.Valid(); it.Next() {
		old := it.NACK()
		n := &NACK{DeliveryTime: old.DeliveryTime, DeliveryCount: old.DeliveryCount}
		if old.Consumer != nil {
			n.Consumer = c.consumers[old.Consumer.Name]
			n.Consumer.PEL.Insert(it.ID(), n)
		}
		c.PEL.Insert(it.ID(), n)
	}
	return c
}
