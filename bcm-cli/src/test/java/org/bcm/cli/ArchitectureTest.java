package org.bcm.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.bcm.core.process.ExternalProgram;
import org.junit.jupiter.api.Test;

/** Rules over the main classes of every bcm module (ArchUnit reads the compiled classes). */
class ArchitectureTest {

    /** bcm's main classes, from the modules' class directories or jars (test classes and test jars left out). */
    private static final JavaClasses BCM = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("bcm-test-fixtures"))
            .importPackages("org.bcm");

    @Test
    void theRulesSeeEveryModule() {
        for (String name : java.util.List.of("org.bcm.core.process.ExternalProgram", "org.bcm.core.identity.ssh.SshClient",
                "org.bcm.lxd.LxdClient", "org.bcm.swarm.DockerEngine", "org.bcm.trezor.TrezorClient", "org.bcm.rpcproxy.RpcProxy",
                "org.bcm.cli.Bcm")) {
            org.assertj.core.api.Assertions.assertThat(BCM.contain(name)).as(name).isTrue();
        }
    }

    /**
     * Every program bcm starts goes through {@link ExternalProgram}: no shell, and values after
     * {@code --}. A second way to start a process would escape both.
     */
    @Test
    void onlyExternalProgramStartsProcesses() {
        ArchRule rule = noClasses().that().doNotBelongToAnyOf(ExternalProgram.class, ExternalProgram.Call.class)
                .should().accessClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
                .orShould().callMethod(Runtime.class, "exec", String.class)
                .orShould().callMethod(Runtime.class, "exec", String[].class)
                .because("external programs are started only by org.bcm.core.process.ExternalProgram (arguments after --, no shell)");
        rule.check(BCM);
    }
}
