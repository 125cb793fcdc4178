# Sends one TFTP read request and prints the server's first reply, taken apart with struct.unpack the way the
# tutorial's client does it (seed 3.3.2). Usage: python3 first_reply.py HOST PORT FILE [MODE]
import sys
from socket import socket, AF_INET, SOCK_DGRAM
from struct import pack, unpack

host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "octet"

# "s" packs bytes, so the text is encoded first, and the format counts bytes, not characters.
name_bytes, mode_bytes = name.encode(), mode.encode()
fmt = "!H%dsb%dsb" % (len(name_bytes), len(mode_bytes))
request = pack(fmt, 1, name_bytes, 0, mode_bytes, 0)
print("sent     ", fmt, request)

udp = socket(AF_INET, SOCK_DGRAM)
udp.settimeout(5)  # a lost datagram must not hang us for ever
udp.sendto(request, (host, port))
reply, server = udp.recvfrom(65536)  # room for any datagram: a smaller buffer would cut it short
print("received ", reply, "from port", server[1])

opcode, number = unpack("!HH", reply[:4])  # two 2-byte big-endian numbers
if opcode == 3:
    print("DATA: block %d, %d bytes of data" % (number, len(reply) - 4))
    # We stop here: tell the server, so that it does not keep sending block 1 again.
    udp.sendto(pack("!HH", 5, 0) + b"only the first reply, thanks\0", server)
elif opcode == 5:
    message = reply[4:].split(b"\0")[0].decode()  # the text ends at its zero byte
    print("ERROR: code %d, %s" % (number, message))
udp.close()
