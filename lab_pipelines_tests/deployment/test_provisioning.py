"""Provisioning as code, checked with Ansible's own tools: the Proxmox playbook for the two VMs
and the Kubespray inventory parse, pass --syntax-check and ansible-lint (offline), and agree
with each other and with the placement the pipeline expects."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lab_pipelines.placement import COMPUTE_NODE, INFERENCE_NODE
from lab_pipelines_tests.deployment import apps, rendering, tools
from lab_pipelines_tests.deployment.rendering import DEPLOYMENT

PROXMOX = DEPLOYMENT / "proxmox"
KUBESPRAY_INVENTORY = DEPLOYMENT / "kubespray" / "inventory" / "lab" / "hosts.yaml"
BIN = Path(sys.executable).parent


def _ansible(tool: str, *args: str, cwd: Path = DEPLOYMENT, tmp: Path):
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "ANSIBLE_LOCAL_TEMP": str(tmp),
           "ANSIBLE_HOME": str(tmp / "ansible"), "ANSIBLE_NOCOLOR": "1"}  # fmt: skip
    return tools.run([str(BIN / tool), *args], cwd=cwd, env=env, timeout=600)


def _hostvars(inventory: Path, tmp: Path) -> dict:
    result = _ansible("ansible-inventory", "-i", str(inventory), "--list", tmp=tmp)
    assert result.returncode == 0, tools.output(result)
    return json.loads(result.stdout)


def test_the_kubespray_inventory_labels_taints_and_reserves(tmp_path):
    listed = _hostvars(KUBESPRAY_INVENTORY, tmp_path)
    hosts = listed["_meta"]["hostvars"]

    assert set(listed["kube_control_plane"]["hosts"]) == {"node-a"}
    assert set(listed["kube_node"]["hosts"]) == {"node-a", "node-b"}
    assert hosts["node-a"]["node_labels"] == COMPUTE_NODE.node_selector()
    assert hosts["node-b"]["node_labels"] == INFERENCE_NODE.node_selector()
    assert hosts["node-b"]["node_taints"] == [f"{INFERENCE_NODE.taint_key}=true:NoSchedule"]
    assert "node_taints" not in hosts["node-a"]
    for host in hosts.values():
        assert host["kube_reserved"] is True and host["system_reserved"] is True
        assert host["kube_cpu_reserved"] and host["system_memory_reserved"]
        assert host["local_path_provisioner_enabled"] is True


def test_the_proxmox_inventory_parses_and_the_playbook_passes_syntax_check(tmp_path):
    assert "pve" in _hostvars(PROXMOX / "inventory.yml", tmp_path)["_meta"]["hostvars"]
    result = _ansible("ansible-playbook", "-i", "inventory.yml", "playbook.yml", "--syntax-check",
                      cwd=PROXMOX, tmp=tmp_path)  # fmt: skip
    assert result.returncode == 0, tools.output(result)


def test_ansible_lint_passes_offline(tmp_path):
    result = _ansible("ansible-lint", "--offline", "--nocolor", "playbook.yml", cwd=PROXMOX,
                      tmp=tmp_path)  # fmt: skip
    assert result.returncode == 0, tools.output(result)
    assert "0 failure(s), 0 warning(s)" in result.stdout + result.stderr, tools.output(result)


def test_ansible_lint_catches_a_bad_task(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("- hosts: all\n  tasks:\n    - shell: echo hi\n", encoding="utf-8")
    result = _ansible(
        "ansible-lint", "--offline", "--nocolor", str(bad), cwd=tmp_path, tmp=tmp_path
    )
    assert result.returncode != 0, tools.output(result)


def _vm_task() -> dict:
    playbook = rendering.load_yaml(PROXMOX / "playbook.yml")
    tasks = [t for play in playbook for t in play["tasks"]]
    (define,) = [t for t in tasks if t["name"] == "Define each VM"]
    return define["community.proxmox.proxmox_kvm"]


def test_the_vms_use_the_host_cpu_no_ballooning_and_pass_the_igpu_to_node_b():
    task = _vm_task()
    vms = {vm["name"]: vm for vm in rendering.load_yaml(PROXMOX / "vms.yml")["lab_vms"]}

    assert task["cpu"] == "host"  # AVX2/AVX-512 for llama.cpp
    assert task["balloon"] == 0
    assert task["hostpci"] == "{{ item.hostpci }}" and task["machine"] == "q35"
    assert vms["node-b"]["hostpci"]["hostpci0"].startswith("host=0000:")
    assert "pcie=1" in vms["node-b"]["hostpci"]["hostpci0"] and vms["node-a"]["hostpci"] == {}
    assert task["cicustom"] == "vendor=local:snippets/lab-vendor.yml"
    vendor = rendering.load_yaml(PROXMOX / "files" / "lab-vendor.yml")
    assert "nfs-common" in vendor["packages"]
    # The addresses Kubespray uses are the ones the VMs get.
    inventory = rendering.load_yaml(KUBESPRAY_INVENTORY)["all"]["hosts"]
    for name, vm in vms.items():
        assert inventory[name]["ansible_host"] == vm["address"]
    # The NFS export the playbook creates is the one the provisioner mounts.
    values = apps.chart_values()["nfs"]
    assert "/" + rendering.load_yaml(PROXMOX / "vms.yml")["lab_nfs_dataset"] == values["path"]
    assert (
        rendering.load_yaml(PROXMOX / "inventory.yml")["all"]["children"]["proxmox"]["hosts"][
            "pve"
        ]["ansible_host"]
        == values["server"]
    )
