package io.meshfed.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Kuma's {@code DataplaneStat} counter: {@code {total, online, offline, partiallyDegraded}}. */
final class DataplaneStat {
  private int total;
  private int online;
  private int offline;
  private int partiallyDegraded;

  DataplaneStat add(ProxyStatus.State state) {
    total++;
    switch (state) {
      case ONLINE -> online++;
      case OFFLINE -> offline++;
      case PARTIALLY_DEGRADED -> partiallyDegraded++;
    }
    return this;
  }

  int total() {
    return total;
  }

  int online() {
    return online;
  }

  int offline() {
    return offline;
  }

  ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("total", total);
    n.put("online", online);
    n.put("offline", offline);
    n.put("partiallyDegraded", partiallyDegraded);
    return n;
  }
}
