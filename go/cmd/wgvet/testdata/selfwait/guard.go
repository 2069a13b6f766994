package selfwait

import "sync"

// wsConn's read loop is counted by wg; on a read error it closes the
// connection without waiting (close(false)), while Close waits
// (close(true)): the loop never reaches the Wait, not flagged.
type wsConn struct {
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
	read   func() error
}

func (c *wsConn) readLoop() {
	defer c.wg.Done()
	for {
		if err := c.read(); err != nil {
			c.close(false)
			return
		}
	}
}

func (c *wsConn) close(wait bool) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	if wait {
		c.wg.Wait()
	}
}

// Close waits for the read loop.
func (c *wsConn) Close() { c.close(true) }

// Dial starts the read loop.
func Dial(read func() error) *wsConn {
	c := &wsConn{read: read}
	c.wg.Add(1)
	go c.readLoop()
	return c
}

// link is the same, but its read loop asks shut to wait: it waits for
// itself.
type link struct {
	wg   sync.WaitGroup
	read func() error
}

func (l *link) readLoop() {
	defer l.wg.Done()
	for {
		if err := l.read(); err != nil {
			l.shut(true)
			return
		}
	}
}

func (l *link) shut(wait bool) {
	if wait {
		l.wg.Wait() // want WG003
	}
}

// Close waits for the read loop.
func (l *link) Close() { l.shut(true) }

// Link starts the read loop.
func Link(read func() error) *link {
	l := &link{read: read}
	l.wg.Add(1)
	go l.readLoop()
	return l
}
