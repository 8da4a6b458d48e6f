package org.bcm.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.Dependency.Predicates.dependencyTarget;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.conditions.ArchConditions.onlyHaveDependenciesWhere;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.bcm.core.device.DevelopmentDeviceService;
import org.bcm.core.process.ExternalProgram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Rules over the main classes of every bcm module (ArchUnit reads the compiled classes): processes
 * start in one place; the adapters use nothing of bcm; the CLI reaches them only through bcm-core,
 * which speaks to it in its own types; every module declares the bcm modules it uses.
 */
class ArchitectureTest {

    /** bcm's main classes, from the modules' class directories or jars (test classes and test jars left out). */
    private static final JavaClasses BCM = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("bcm-test-fixtures"))
            .importPackages("org.bcm");

    private static final DescribedPredicate<JavaClass> ANY_BCM = resideInAPackage("org.bcm..").as("bcm");
    private static final DescribedPredicate<JavaClass> LXD = resideInAPackage("org.bcm.lxd..").as("bcm-lxd");
    private static final DescribedPredicate<JavaClass> SWARM = resideInAPackage("org.bcm.swarm..").as("bcm-swarm");
    private static final DescribedPredicate<JavaClass> DEVELOPMENT_DEVICE = resideInAPackage("org.bcm.trezor.dev..").as("bcm-trezor-dev");
    private static final DescribedPredicate<JavaClass> TREZOR = resideInAPackage("org.bcm.trezor..").and(not(DEVELOPMENT_DEVICE)).as("bcm-trezor");
    private static final DescribedPredicate<JavaClass> RPC_PROXY = resideInAPackage("org.bcm.rpcproxy..").as("bcm-rpcproxy");
    private static final DescribedPredicate<JavaClass> BOUNCY_CASTLE = resideInAPackage("org.bouncycastle..").as("BouncyCastle");
    /** bcm-lxd, bcm-swarm, bcm-trezor, bcm-trezor-dev and BouncyCastle: what the CLI reaches only through bcm-core. */
    private static final DescribedPredicate<JavaClass> BEHIND_THE_CORE = LXD.or(SWARM).or(TREZOR).or(DEVELOPMENT_DEVICE).or(BOUNCY_CASTLE)
            .as("bcm-lxd, bcm-swarm, bcm-trezor, bcm-trezor-dev or BouncyCastle");

    @Test
    void theRulesSeeEveryModule() {
        for (String name : List.of("org.bcm.core.process.ExternalProgram", "org.bcm.core.identity.ssh.SshClient",
                "org.bcm.lxd.LxdClient", "org.bcm.swarm.DockerEngine", "org.bcm.trezor.TrezorClient",
                "org.bcm.trezor.dev.DevelopmentDevice", "org.bcm.rpcproxy.RpcProxy", "org.bcm.cli.Bcm")) {
            assertThat(BCM.contain(name)).as(name).isTrue();
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

    /**
     * The adapters and the proxy are leaf libraries that could be published alone: each uses no bcm
     * package but its own; the development device uses bcm-trezor's (its wire protocol and value
     * types), and bcm-trezor nothing of the development device.
     */
    @Test
    void theAdaptersUseNothingOfBcm() {
        CompositeArchRule.of(usesOfBcmOnly(LXD, LXD)).and(usesOfBcmOnly(SWARM, SWARM)).and(usesOfBcmOnly(TREZOR, TREZOR))
                .and(usesOfBcmOnly(RPC_PROXY, RPC_PROXY)).and(usesOfBcmOnly(DEVELOPMENT_DEVICE, DEVELOPMENT_DEVICE.or(TREZOR)))
                .check(BCM);
    }

    /**
     * The development device is served, never used as a device: in bcm-core only
     * {@link DevelopmentDeviceService} reaches bcm-trezor-dev, and the device client
     * ({@link org.bcm.core.device.DeviceService}, the identity's keys) never does.
     */
    @Test
    void onlyDevelopmentDeviceServiceReachesTheDevelopmentDevice() {
        noClasses().that(not(DEVELOPMENT_DEVICE)).and().doNotBelongToAnyOf(DevelopmentDeviceService.class)
                .should().dependOnClassesThat(DEVELOPMENT_DEVICE)
                .because("bcm device serve runs the development device; everything else reaches devices through bcm-trezor's client")
                .check(BCM);
    }

    private static ArchRule usesOfBcmOnly(DescribedPredicate<JavaClass> module, DescribedPredicate<JavaClass> allowed) {
        return noClasses().that(module).should().dependOnClassesThat(ANY_BCM.and(not(allowed)))
                .because("the adapters import nothing of bcm (docs/architecture.md)");
    }

    /**
     * The orchestration (cluster, project and base-image steps) reaches LXD and Docker only through the
     * ports bcm-core owns ({@code org.bcm.core.port}): never through bcm-lxd's or bcm-swarm's clients,
     * which only the adapters in {@code org.bcm.core.adapter} hold. The adapters' value types and
     * exceptions are part of the ports and allowed.
     */
    @Test
    void theOrchestrationReachesLxdAndDockerOnlyThroughThePorts() {
        noClasses().that().resideInAnyPackage("org.bcm.core.cluster..", "org.bcm.core.project..", "org.bcm.core.image..")
                .should().dependOnClassesThat().haveFullyQualifiedName("org.bcm.lxd.LxdClient")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.bcm.lxd.Operation")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.bcm.swarm.DockerEngine")
                .orShould().accessClassesThat().haveFullyQualifiedName("org.bcm.swarm.StackDeployer")
                .orShould().dependOnClassesThat().resideInAPackage("org.bcm.core.adapter..")
                .because("the orchestration depends only on the ports (docs/architecture.md#ports-and-steps-how-the-orchestration-is-built)")
                .check(BCM);
    }

    /**
     * The CLI reaches the adapters, and BouncyCastle, only through bcm-core: it parses options, prints,
     * and asks the core's services. It may run bcm-rpcproxy ({@code bcm proxy run}) itself.
     */
    @Test
    void theCliReachesTheAdaptersOnlyThroughTheCore() {
        DescribedPredicate<Dependency> allowed = dependencyTarget(not(BEHIND_THE_CORE));
        classes().that().resideInAPackage("org.bcm.cli..")
                .should(onlyHaveDependenciesWhere(allowed.as("they are not on " + BEHIND_THE_CORE.getDescription())))
                .because("the CLI reaches the adapters only through bcm-core (docs/architecture.md)")
                .check(BCM);
    }

    /**
     * A value can pass through the CLI without the CLI naming its type (a certificate from one core
     * method handed to another): so the core's methods the CLI calls neither take nor give an adapter's
     * or BouncyCastle's type.
     */
    @Test
    void theCoreSpeaksToTheCliInItsOwnTypes() {
        DescribedPredicate<JavaCall<?>> passesTypesBehindTheCore = DescribedPredicate.describe(
                "takes or gives a type of " + BEHIND_THE_CORE.getDescription(),
                call -> BEHIND_THE_CORE.test(call.getTarget().getRawReturnType())
                        || call.getTarget().getRawParameterTypes().stream().anyMatch(BEHIND_THE_CORE));
        noClasses().that().resideInAPackage("org.bcm.cli..").should().callCodeUnitWhere(passesTypesBehindTheCore)
                .because("the core's services speak to the CLI in the core's own types")
                .check(BCM);
    }

    /**
     * Every module declares, in its pom.xml, the bcm modules its main classes use: none is reached only
     * through another module's dependencies. The modules are the root pom's; a module holds the
     * packages of its {@code src/main/java}.
     */
    @Test
    void everyModuleDeclaresTheModulesItUses() throws Exception {
        List<Module> modules = Module.all(root());
        Map<String, Module> byPackage = new HashMap<>();
        Set<String> violations = new TreeSet<>();
        for (Module module : modules) {
            for (String p : module.packages()) {
                Module other = byPackage.put(p, module);
                if (other != null) {
                    violations.add("the package " + p + " is in two modules, " + other.artifactId() + " and " + module.artifactId());
                }
            }
        }
        for (JavaClass origin : BCM) {
            Module user = byPackage.get(origin.getPackageName());
            if (user == null) {
                violations.add("no module's src/main/java holds " + origin.getPackageName() + " (" + origin.getName() + ")");
                continue;
            }
            for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                String target = dependency.getTargetClass().getPackageName();
                if (!target.startsWith("org.bcm.") || user.packages().contains(target)) {
                    continue;
                }
                Module used = byPackage.get(target);
                if (used == null) {
                    violations.add("no module's src/main/java holds " + target + " (" + dependency.getDescription() + ")");
                } else if (!user.declared().contains(used.artifactId())) {
                    violations.add(user.artifactId() + " uses " + used.artifactId() + " without declaring it in " + user.pom()
                            + ": " + dependency.getDescription());
                }
            }
        }
        assertThat(violations).as("uses of bcm modules that the user's pom.xml does not declare (compile or runtime scope)").isEmpty();
        assertThat(modules).extracting(Module::artifactId).contains("bcm-core", "bcm-cli", "bcm-trezor", "bcm-trezor-dev");
    }

    /** The repository's root: the nearest directory up from here whose pom.xml lists the modules. */
    private static Path root() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.exists(pom) && Files.readString(pom).contains("<modules>")) {
                return dir;
            }
        }
        throw new IllegalStateException("no pom.xml with <modules> above " + Path.of("").toAbsolutePath());
    }

    /**
     * A module of the build.
     *
     * @param artifactId its artifact
     * @param pom        its pom.xml
     * @param packages   the packages of its src/main/java
     * @param declared   the bcm modules (artifactIds) its pom.xml declares, in compile or runtime scope
     */
    private record Module(String artifactId, Path pom, Set<String> packages, Set<String> declared) {

        static List<Module> all(Path root) throws Exception {
            List<Module> modules = new ArrayList<>();
            for (String name : texts(parse(root.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
                modules.add(of(root.resolve(name)));
            }
            return modules;
        }

        static Module of(Path dir) throws Exception {
            Path pom = dir.resolve("pom.xml");
            Element project = parse(pom).getDocumentElement();
            Set<String> declared = new LinkedHashSet<>();
            NodeList dependencies = project.getElementsByTagName("dependency");
            for (int i = 0; i < dependencies.getLength(); i++) {
                Element d = (Element) dependencies.item(i);
                boolean inProjectDependencies = d.getParentNode().getParentNode() == project;
                String scope = child(d, "scope");
                if (inProjectDependencies && "org.bcm".equals(child(d, "groupId")) && child(d, "type") == null
                        && (scope == null || scope.equals("compile") || scope.equals("runtime"))) {
                    declared.add(child(d, "artifactId"));
                }
            }
            Set<String> packages = new TreeSet<>();
            Path sources = dir.resolve("src/main/java");
            if (Files.isDirectory(sources)) {
                try (Stream<Path> files = Files.walk(sources)) {
                    files.filter(f -> f.toString().endsWith(".java"))
                            .forEach(f -> packages.add(sources.relativize(f.getParent()).toString().replace('/', '.')));
                }
            }
            return new Module(child(project, "artifactId"), pom, packages, declared);
        }

        private static Document parse(Path pom) throws Exception {
            return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
        }

        /** The text of {@code parent}'s direct child {@code name}, or null. */
        private static String child(Element parent, String name) {
            for (var node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (node instanceof Element e && e.getTagName().equals(name)) {
                    return e.getTextContent().strip();
                }
            }
            return null;
        }

        /** The texts of the {@code item} children of {@code parent}'s direct child {@code list}. */
        private static List<String> texts(Element parent, String list, String item) {
            List<String> texts = new ArrayList<>();
            for (var node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
                if (node instanceof Element e && e.getTagName().equals(list)) {
                    NodeList items = e.getElementsByTagName(item);
                    for (int i = 0; i < items.getLength(); i++) {
                        texts.add(items.item(i).getTextContent().strip());
                    }
                }
            }
            return texts;
        }
    }
}
