# The seed's echo server in Python, without the print (which would dominate): labbench echo's Python contender.
# It binds 127.0.0.1 port 0 and prints "listening on 127.0.0.1:PORT" first, as every server here does.
import socket

MAX_DATAGRAM = 65536  # more than any UDP payload over IPv4 or IPv6, so no datagram is cut short

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print('listening on 127.0.0.1:%d' % s.getsockname()[1], flush=True)
while True:
    msg, src = s.recvfrom(MAX_DATAGRAM)
    s.sendto(msg, src)
