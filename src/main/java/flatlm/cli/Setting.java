package flatlm.cli;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An option that is a library setting: its default is read from the one declaration of that
 * setting ({@link Defaults}, e.g. {@code language.states} = {@code LanguageSpec.states}), never
 * written in the annotation, and a library error naming the key is shown with the flag.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface Setting {
    /** The dotted key: a root of {@link Defaults#ROOTS} and a path of fields or record components below it. */
    String value();
}
