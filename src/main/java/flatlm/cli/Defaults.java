package flatlm.cli;

import flatlm.dyck.DyckExperiment;
import flatlm.eval.FineTune;
import flatlm.eval.LinearProbe;
import flatlm.eval.Probe;
import flatlm.eval.Representation;
import flatlm.experiment.ExperimentPlan;
import flatlm.flatness.Flatness;
import flatlm.lang.LanguageSpec;
import flatlm.train.TrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * picocli's default provider: the default of every {@link Setting} option is read from the library
 * object that declares it, so a default is written once, in the library, and the CLI, config files
 * and presets cannot disagree. Keys are dotted paths below a root: {@code language.states},
 * {@code flatness.budget.maxSeconds}, {@code probe.train}, ... (fields, record components, or
 * no-argument methods). The same map turns a library error that names a key into one that names
 * the flag ({@link #flagsIn}).
 */
final class Defaults implements CommandLine.IDefaultValueProvider {
    /** Each root: the object whose fields are the defaults. */
    static final Map<String, Supplier<Object>> ROOTS = Map.of(
        "language", LanguageSpec::new,
        "train", TrainConfig::new,
        "measure", ExperimentPlan.Measure::new,
        "probe", Probe.Setup::defaults,
        "solver", LinearProbe.Options::defaults,
        "finetune", FineTune.Options::defaults,
        "flatness", Flatness.Options::defaults,
        "representation", () -> Representation.DEFAULT,
        "dyck", DyckExperiment.Options::defaults);

    /** A command line over {@code command} (and its subcommands) whose settings take their defaults from here. */
    static CommandLine cli(Object command) {
        return new CommandLine(command).setDefaultValueProvider(new Defaults());
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        Setting s = setting(arg);
        return s == null ? null : value(s.value());
    }

    /** The default of {@code key} as the CLI reads it; null when the library leaves it unset. */
    static String value(String key) {
        String[] path = key.split("\\.");
        Supplier<Object> root = ROOTS.get(path[0]);
        if (root == null) throw new IllegalArgumentException("setting " + key + ": unknown root " + path[0]);
        Object v = root.get();
        for (int i = 1; i < path.length && v != null; i++) v = member(v, path[i], key);
        if (v == null) return null;
        if (v instanceof Enum<?> e) return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        if (v instanceof List<?> l) return String.join(",", l.stream().map(String::valueOf).toList());
        if (v instanceof int[] a) return String.join(",", java.util.Arrays.stream(a).mapToObj(String::valueOf).toList());
        return String.valueOf(v);
    }

    private static Object member(Object o, String name, String key) {
        try {
            for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
                try {
                    Field f = c.getField(name);
                    return f.get(o);
                } catch (NoSuchFieldException e) {
                    // a record component or a method
                }
                try {
                    Method m = c.getMethod(name);
                    return m.invoke(o);
                } catch (NoSuchMethodException e) {
                    // not here
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("setting " + key + ": " + e, e);
        }
        throw new IllegalArgumentException("setting " + key + ": " + o.getClass().getSimpleName() + " has no " + name);
    }

    static Setting setting(ArgSpec arg) {
        return arg.userObject() instanceof Field f ? f.getAnnotation(Setting.class) : null;
    }

    /** Key to flag for the settings of {@code cmd}'s options. */
    static Map<String, String> flagsIn(CommandLine cmd) {
        Map<String, String> out = new LinkedHashMap<>();
        for (OptionSpec o : cmd.getCommandSpec().options()) {
            Setting s = setting(o);
            if (s != null) out.put(s.value(), o.longestName());
        }
        return out;
    }

    /** {@code message} with every key of {@code cmd}'s settings replaced by its flag (longest keys first). */
    static String withFlags(String message, CommandLine cmd) {
        Map<String, String> flags = flagsIn(cmd);
        String out = message;
        for (String key : flags.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            Matcher m = Pattern.compile("(?<![\\w.])" + Pattern.quote(key) + "(?!\\w|\\.\\w)").matcher(out);
            out = m.replaceAll(Matcher.quoteReplacement(flags.get(key)));
        }
        return out;
    }
}
