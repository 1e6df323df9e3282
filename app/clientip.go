package app

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// parseProxies reads PAKN_TRUSTED_PROXIES: CIDRs or single addresses.
func parseProxies(list []string) []*net.IPNet {
	var out []*net.IPNet
	for _, p := range list {
		if _, n, err := net.ParseCIDR(p); err == nil {
			out = append(out, n)
			continue
		}
		if ip := net.ParseIP(p); ip != nil {
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		}
	}
	return out
}

func (s *Server) trustedProxy(ip net.IP) bool {
	for _, n := range s.proxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the address a request comes from, for rate limits and logs:
// the connection's peer or, when the peer is a trusted proxy, the rightmost
// address in X-Forwarded-For that is not itself a trusted proxy. Entries to
// the left of it are whatever the client wrote and are never believed.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if len(s.proxies) == 0 || !s.trustedProxy(peer) {
		return peer.String()
	}
	parts := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(parts[i]))
		if ip == nil {
			break // not an address: trust nothing further left
		}
		if !s.trustedProxy(ip) {
			return ip.String()
		}
		peer = ip
	}
	return peer.String()
}
