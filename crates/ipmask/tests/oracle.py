"""Oracle for ipmask: reads cases as JSON lines on stdin, checks each against Python's ipaddress module, and
prints one summary line ("N cases, M mismatches") plus the first mismatches. Run by tests/oracle.rs."""
import ipaddress
import json
import sys


def expected_net(c):
    net = ipaddress.ip_network(f'{c["address"]}/{c["prefix"]}', strict=False)
    exp = {
        "network": str(net.network_address),
        "netmask": str(net.netmask),
        "hostmask": str(net.hostmask),
        "addresses": net.num_addresses,
        "broadcast": str(net.broadcast_address) if net.version == 4 and net.prefixlen <= 30 else None,
        "first_host": str(next(iter(net.hosts()), net.network_address)),
    }
    if net.num_addresses <= 65536:
        hosts = list(net.hosts()) or [net.network_address]
        exp["last_host"] = str(hosts[-1])
        exp["hosts"] = len(hosts)
    else:
        # Too many to list: hosts() ends before the broadcast address in IPv4 and at the last address in IPv6.
        exp["last_host"] = str(net[-2] if net.version == 4 else net[-1])
    address = ipaddress.ip_address(c["address"])
    exp["expanded"] = address.exploded
    exp["reverse_pointer"] = address.reverse_pointer
    # The zone: the network's whole octets (IPv4) or nibbles (IPv6), i.e. the last labels of its reverse name.
    labels = net.network_address.reverse_pointer.split(".")
    whole = net.prefixlen // (8 if net.version == 4 else 4)
    exp["reverse_zone"] = ".".join(labels[len(labels) - whole - 2:])
    exp["subnets"] = {d: [str(s) for s in net.subnets(prefixlen_diff=int(d))] for d in c.get("subnets", {})}
    return exp


def vlsm(network, wanted):
    """Each count of hosts gets the smallest block that holds it plus the addresses that are not hosts (IPv4: 2,
    IPv6: 1), largest first, one after another from the start; None if they do not fit. Returns the subnets and
    the free blocks after them."""
    net = ipaddress.ip_network(network)
    reserved = 2 if net.version == 4 else 1
    start = int(net.network_address)
    end = int(net.broadcast_address)
    out = []
    for hosts in sorted(wanted, reverse=True):
        size = 1
        while size < hosts + reserved:
            size *= 2
        if start + size - 1 > end:
            return None, None
        prefix = net.max_prefixlen - (size.bit_length() - 1)
        out.append([str(hosts), str(ipaddress.ip_network((start, prefix)))])
        start += size
    if start > end:
        return out, []
    kind = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
    free = [str(n) for n in ipaddress.summarize_address_range(kind(start), kind(end))]
    return out, free


def count(value):
    return int(value) if isinstance(value, str) else value


def main():
    cases = mismatches = 0
    fitted = vlsm_cases = 0
    shown = []
    for line in sys.stdin:
        c = json.loads(line)
        cases += 1
        problems = []
        if c["case"] == "net":
            exp = expected_net(c)
            ours = c["ours"]
            for key in ("network", "netmask", "hostmask", "broadcast", "first_host", "last_host", "expanded",
                        "reverse_pointer", "reverse_zone"):
                if ours[key] != exp[key]:
                    problems.append(f"{key}: ours {ours[key]} python {exp[key]}")
            if count(ours["addresses"]) != exp["addresses"]:
                problems.append(f'addresses: ours {ours["addresses"]} python {exp["addresses"]}')
            if "hosts" in exp and count(ours["hosts"]) != exp["hosts"]:
                problems.append(f'hosts: ours {ours["hosts"]} python {exp["hosts"]}')
            for d, subnets in c.get("subnets", {}).items():
                if subnets != exp["subnets"][d]:
                    problems.append(f"subnets +{d}: ours {subnets} python {exp['subnets'][d]}")
        elif c["case"] == "collapse":
            nets = [ipaddress.ip_network(n, strict=False) for n in c["input"]]
            exp = [str(n) for n in ipaddress.collapse_addresses(nets)]
            if c["ours"] != exp:
                problems.append(f"collapse {c['input']}: ours {c['ours']} python {exp}")
        elif c["case"] == "summarize":
            first, last = ipaddress.ip_address(c["first"]), ipaddress.ip_address(c["last"])
            exp = [str(n) for n in ipaddress.summarize_address_range(first, last)]
            if c["ours"] != exp:
                problems.append(f"summarize {first}-{last}: ours {c['ours']} python {exp}")
        elif c["case"] == "vlsm":
            subnets, free = vlsm(c["network"], [int(w) for w in c["wanted"]])
            vlsm_cases += 1
            fitted += subnets is not None
            if c["ours"] != subnets or c["free"] != free:
                problems.append(f"vlsm {c['network']} {c['wanted']}: ours {c['ours']} free {c['free']}, "
                                f"python {subnets} free {free}")
        if problems:
            mismatches += 1
            if len(shown) < 10:
                shown.append(f'{c.get("address", "")}/{c.get("prefix", "")}: ' + "; ".join(problems))
    print(f"{cases} cases, {mismatches} mismatches")
    print(f"(of which VLSM: {vlsm_cases}, {fitted} fitting and the rest refused by both)")
    for s in shown:
        print(s)


main()
