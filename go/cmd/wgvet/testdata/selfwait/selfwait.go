// Package selfwait: goroutines of a group that wait for the group.
package selfwait

import (
	"net"
	"sync"
)

type conn struct {
	wg        sync.WaitGroup
	nc        net.Conn
	closeOnce sync.Once
	out       chan []byte
}

func (c *conn) Start() {
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
}

func (c *conn) readLoop() {
	defer c.wg.Done()
	buf := make([]byte, 1024)
	for {
		if _, err := c.nc.Read(buf); err != nil {
			c.close()
			return
		}
	}
}

func (c *conn) writeLoop() {
	defer c.wg.Done()
	for b := range c.out {
		if _, err := c.nc.Write(b); err != nil {
			return
		}
	}
}

func (c *conn) close() {
	c.closeOnce.Do(func() {
		c.nc.Close()
		c.wg.Wait() // want WG003
	})
}

// Close is called from outside the group: its own Wait is fine, but it
// shares close() with readLoop.
func (c *conn) Close() { c.close() }

// barrier: each worker is done before it waits for the others: not
// flagged.
func barrier(n int) {
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			wg.Done()
			wg.Wait()
		}()
	}
}
