package org.bcm.monitoring;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

/** Gauges built from values read at a scrape (Prometheus's metrics model, io.prometheus.metrics.model). */
final class Gauges {

    private Gauges() {
    }

    /** A gauge of one value without labels. */
    static GaugeSnapshot of(String name, String help, double value) {
        return of(name, help, value, Labels.EMPTY);
    }

    /** A gauge of one value with labels. */
    static GaugeSnapshot of(String name, String help, double value, Labels labels) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(point(value, labels)).build();
    }

    /** One data point of a gauge with several. */
    static GaugeSnapshot.GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }
}
