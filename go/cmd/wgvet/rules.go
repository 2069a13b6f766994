package main

// The rules wgvet checks. Each has a stable ID (what JSON, SARIF and the
// text output carry), a name, a one-line summary and an explanation with
// the buggy and the fixed shape. IDs are never reused or renumbered.

// lessonURL is the teaching page; each rule links to its section.
const lessonURL = "https://leakscope.github.io/leakscope/"

// Rule is one check.
type Rule struct {
	ID      string // stable: WG001, WG002, …
	Name    string // kebab-case, for SARIF's rule name
	Short   string // one line
	Full    string // the explanation: what, why, the buggy and the fixed shape
	Anchor  string // the lesson's section, appended to lessonURL
	Example string // buggy shape, then fixed shape, as Go
}

// HelpURI is the lesson section that explains the rule.
func (r Rule) HelpURI() string { return lessonURL + r.Anchor }

// The rules, in ID order.
var (
	RuleTwoLifecycles = Rule{
		ID:    "WG001",
		Name:  "one-waitgroup-two-lifecycles",
		Short: "Wait() on a WaitGroup that also holds a goroutine living until cancellation",
		Full: "A WaitGroup counts goroutines of two lifecycles: one that ends only on " +
			"cancellation or never (a loop whose every exit is under ctx.Done() or a quit " +
			"channel, or has none) and others that end on their own. A Wait() that runs " +
			"again and again while the long-lived one is alive (in a loop, in a function " +
			"called from a loop, from a ticker or a time.AfterFunc) cannot return before " +
			"the long-lived goroutine is stopped: the code that waits stalls, and a " +
			"workaround that skips the wait leaves the short-lived goroutines behind. " +
			"Fix: one WaitGroup per lifecycle, so that the short-lived goroutines are " +
			"waited for in their own group; a shutdown that first cancels the long-lived " +
			"goroutine and then waits is correct and not flagged.",
		Anchor: "#wait-never-returns",
		Example: `// buggy: the heartbeat and every reader in c.wg
c.wg.Add(1); go m.heartbeat(c) // returns only on <-m.ctx.Done()
c.wg.Add(1); go m.reader(c, s)
// every rotation (time.AfterFunc):
s.Close(); c.wg.Wait() // never returns: the heartbeat holds c.wg

// fixed: one group per lifecycle
c.heartbeatWg.Add(1); go m.heartbeat(c)
c.readerWg.Add(1); go m.reader(c, s)
// every rotation:
s.Close(); c.readerWg.Wait() // returns once the reader exits
// Stop(): m.cancel(); c.readerWg.Wait(); c.heartbeatWg.Wait()`,
	}
	RuleWaitTimeout = Rule{
		ID:    "WG002",
		Name:  "wait-with-timeout-leaks-waiter",
		Short: "a Wait() raced by a timeout leaves its waiting goroutine behind",
		Full: "`go func() { wg.Wait(); close(done) }()` raced by time.After, a timer or a " +
			"context in a select: when the timeout wins, the caller moves on and the " +
			"goroutine stays blocked in Wait() until the group empties, and if the group " +
			"also holds a goroutine that lives until cancellation it stays until that " +
			"goroutine is stopped: one waiter left behind per timeout, the leak moved. " +
			"Fix: give the goroutines waited for a WaitGroup of their own, so the plain " +
			"Wait() returns; or end them (close their input, cancel their context) before " +
			"waiting. Not flagged: races whose timeout fails a test or stops the process, and " +
			"groups whose goroutines all end on their own or were stopped before the waiter " +
			"starts (the waiter ends with them); a helper that takes the group as a parameter " +
			"is judged at each call, with the group that call passes.",
		Anchor: "#fix-wait-timeout",
		Example: `// buggy: a helper per rotation stays blocked in c.wg.Wait()
done := make(chan struct{})
go func() { c.wg.Wait(); close(done) }()
select {
case <-done:
case <-time.After(10 * time.Second): // the helper stays
}

// fixed: the readers have their own group, so the wait returns
s.Close(); c.readerWg.Wait()`,
	}
	RuleSelfWait = Rule{
		ID:    "WG003",
		Name:  "member-waits-for-own-group",
		Short: "a goroutine counted by a WaitGroup reaches Wait() on that group before its Done()",
		Full: "A goroutine that was Added to a WaitGroup (and calls Done() when it ends, " +
			"often deferred) calls, directly or through functions of its package, Wait() " +
			"on the same group: Wait() waits for the goroutine's own Done(), which runs " +
			"only after Wait() returns, so it never does. Typical: a read or write loop " +
			"that calls the connection's close(), which waits for every loop. Fix: call " +
			"Done() before waiting, or let close() only signal and have a goroutine " +
			"outside the group wait.",
		Anchor: "#wait-never-returns",
		Example: `// buggy: writerLoop is in c.wg and calls close(), which waits for c.wg
func (c *conn) writerLoop() {
	defer c.wg.Done()
	if err := c.write(); err != nil {
		c.close() // c.close() calls c.wg.Wait(): waits for this Done
	}
}

// fixed: the loop only signals; the caller of Close() waits
func (c *conn) writerLoop() {
	defer c.wg.Done()
	if err := c.write(); err != nil {
		c.cancel()
	}
}`,
	}
	RuleWaitBeforeStop = Rule{
		ID:    "WG004",
		Name:  "wait-before-stop",
		Short: "Wait() before the signal that ends a long-lived goroutine of the group",
		Full: "A WaitGroup holds a goroutine that ends only when a channel is closed or a " +
			"context is cancelled, and a function waits on the group first and sends " +
			"that stop signal only after Wait(): Wait() waits for a goroutine that only " +
			"the code after it can stop, a deadlock. Fix: cancel or close first, then " +
			"wait.",
		Anchor: "#wait-never-returns",
		Example: `// buggy
c.heartbeatWg.Wait() // the heartbeat ends only on <-c.stopCh
close(c.stopCh)

// fixed
close(c.stopCh)
c.heartbeatWg.Wait()`,
	}
	RuleWaitInLoop = Rule{
		ID:    "WG005",
		Name:  "wait-inside-spawning-loop",
		Short: "Wait() inside the loop that starts the group's goroutines, their Add done before the loop",
		Full: "The group is Added the count of every goroutine at once, before a loop that " +
			"starts them one per iteration, and Wait() sits inside that loop: the first " +
			"Wait waits for goroutines the loop has not started yet, so it never returns " +
			"(and the goroutines already started stay blocked with it). Fix: wait after the " +
			"loop; or Add one per iteration if waiting for each in turn was meant.",
		Anchor: "#wait-never-returns",
		Example: `// buggy
wg.Add(len(plugins))
for _, p := range plugins {
	go func() { defer wg.Done(); p.load() }()
	wg.Wait() // waits for len(plugins) Dones, one goroutine started
}

// fixed
wg.Add(len(plugins))
for _, p := range plugins {
	go func() { defer wg.Done(); p.load() }()
}
wg.Wait()`,
	}
)

// Rules lists every rule in ID order.
var Rules = []Rule{RuleTwoLifecycles, RuleWaitTimeout, RuleSelfWait, RuleWaitBeforeStop, RuleWaitInLoop}

// ruleIndex is the position of id in Rules, or -1.
func ruleIndex(id string) int {
	for i, r := range Rules {
		if r.ID == id {
			return i
		}
	}
	return -1
}
