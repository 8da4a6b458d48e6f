package org.bcm.rpcproxy;

/**
 * SIGTERM and SIGINT start a graceful shutdown instead of the JVM's immediate exit, so that the
 * process ends with exit code 0 once answers in progress are out. Falls back to a shutdown hook where
 * {@code sun.misc.Signal} is missing.
 */
final class Signals {

    private Signals() {}

    static void onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object h = java.lang.reflect.Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handler},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            action.run();
                        }
                        return null;
                    });
            for (String name : new String[] {"TERM", "INT"}) {
                Object s = signal.getConstructor(String.class).newInstance(name);
                signal.getMethod("handle", signal, handler).invoke(null, s, h);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Runtime.getRuntime().addShutdownHook(new Thread(action, "rpcproxy-shutdown-hook"));
        }
    }
}
