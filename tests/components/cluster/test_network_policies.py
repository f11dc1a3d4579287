"""The product namespace's NetworkPolicies (pure)."""

from components.cluster.network_policies import egress_allowed, product_policies

PUBLIC = ("10.10.128.0/24", "10.10.129.0/24")
DATA = ("10.10.160.0/24", "10.10.161.0/24")
APP = ("10.10.0.0/19", "10.10.32.0/19")


def test_everything_is_denied_first():
    deny = product_policies(PUBLIC, DATA, APP)["default-deny-all"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_egress_goes_to_cluster_dns_only():
    (rule,) = product_policies(PUBLIC, DATA, APP)["allow-dns"]["egress"]
    (peer,) = rule["to"]
    assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}
    assert peer["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    assert {(p["protocol"], p["port"]) for p in rule["ports"]} == {("UDP", 53), ("TCP", 53)}


def test_load_balancers_reach_pods_from_the_public_subnets_only():
    (rule,) = product_policies(PUBLIC, DATA, APP)["allow-from-load-balancers"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": c}} for c in PUBLIC]


def test_data_tier_egress_is_limited_to_its_subnets_and_ports():
    (rule,) = product_policies(PUBLIC, DATA, APP)["allow-to-data-tier"]["egress"]
    assert rule["to"] == [{"ipBlock": {"cidr": c}} for c in DATA]
    assert sorted(p["port"] for p in rule["ports"]) == [5432, 6379]
    assert {p["protocol"] for p in rule["ports"]} == {"TCP"}


def test_internet_egress_is_https_only():
    (rule,) = product_policies(PUBLIC, DATA, APP)["allow-https-egress"]["egress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


def test_prometheus_may_scrape_and_pods_may_talk_within_the_namespace():
    found = product_policies(PUBLIC, DATA, APP)
    assert found["allow-from-monitoring"]["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}
    ]
    assert found["allow-within-namespace"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert found["allow-within-namespace"]["egress"] == [{"to": [{"podSelector": {}}]}]


def test_atlas_privatelink_egress_is_the_node_port_range_to_the_app_subnets():
    """The Atlas interface endpoint sits in the app subnets and answers on 1024-65535, not 27017."""
    (rule,) = product_policies(PUBLIC, DATA, APP)["allow-to-atlas-privatelink"]["egress"]
    assert rule["to"] == [{"ipBlock": {"cidr": c}} for c in APP]
    assert rule["ports"] == [{"protocol": "TCP", "port": 1024, "endPort": 65535}]


def test_nothing_reaches_mongodb_port_in_the_data_subnets():
    assert egress_allowed(product_policies(PUBLIC, DATA, APP), 27017, address="10.10.160.10") == []


def test_egress_evaluator_honours_ip_blocks_ports_and_selectors():
    policies = product_policies(PUBLIC, DATA, APP)
    assert egress_allowed(policies, 5432, address="10.10.161.20") == ["allow-to-data-tier"]
    assert egress_allowed(policies, 5432, address="10.10.129.20") == []  # public subnet: no
    assert egress_allowed(policies, 22, address="10.10.160.10") == []
    dns = {"namespace": {"kubernetes.io/metadata.name": "kube-system"}, "pod": {"k8s-app": "kube-dns"}}
    assert egress_allowed(policies, 53, protocol="UDP", labels=dns) == ["allow-dns"]
    other = {"namespace": {"kubernetes.io/metadata.name": "kube-system"}, "pod": {"k8s-app": "other"}}
    assert egress_allowed(policies, 53, protocol="UDP", labels=other) == []
