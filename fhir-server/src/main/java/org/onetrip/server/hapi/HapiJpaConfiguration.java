package org.onetrip.server.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.model.entity.ResourceEncodingEnum;
import ca.uhn.fhir.jpa.model.entity.StorageSettings.IndexEnabledEnum;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * HAPI FHIR JPA storage for FHIR R4: the one place where HAPI's storage is wired and tuned.
 * OneTrip's features talk to HAPI through its DAOs and interceptors, never by editing this class.
 */
@Configuration
// JpaBatch2Config + Batch2JobsConfig: HAPI's background jobs ($reindex after a new SearchParameter, bulk export).
@Import({
	JpaR4Config.class,
	HapiJpaConfig.class,
	ThreadPoolFactoryConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	// In-process message channels that HAPI's batch jobs (and later subscriptions) run on.
	SubscriptionChannelConfig.class
})
public class HapiJpaConfiguration {

	/** The name of HAPI's {@code SearchParamConfig#searchParamExtractor} bean. */
	static final String HAPI_SEARCH_PARAM_EXTRACTOR = "searchParamExtractor";
	/** The name of HAPI's {@code FhirContextR4Config#fhirContextR4} bean. */
	static final String HAPI_FHIR_CONTEXT = "primaryFhirContext";

	/**
	 * @param reuseSearchResults how long HAPI may answer a search with an identical earlier search's results: zero (the
	 *                           default) runs every search against what is committed now; only for an A/B measurement.
	 * @param requestIdInVersions whether each stored version also keeps the id of the request that wrote it (HAPI's
	 *                            default; off here, it costs a second write of every version row); for an A/B measurement.
	 */
	@Bean
	public JpaStorageSettings storageSettings(
			@org.springframework.beans.factory.annotation.Value("${onetrip.search.reuse-results-for:PT0S}") java.time.Duration reuseSearchResults,
			@org.springframework.beans.factory.annotation.Value("${onetrip.search.index-token-text:true}") boolean indexTokenText,
			@org.springframework.beans.factory.annotation.Value("${onetrip.storage.request-id-in-versions:false}") boolean requestIdInVersions) {
		JpaStorageSettings settings = new JpaStorageSettings();
		// Hospital systems send ids of every shape, all-numeric ones included (PUT Organization/1).
		// HAPI allows that only when its own ids cannot collide with them, hence UUIDs for server-assigned ids.
		settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ANY);
		settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.UUID);
		// A reference to a resource that does not exist is an error the sender must fix, not a placeholder.
		settings.setAutoCreatePlaceholderReferenceTargets(false);
		settings.setEnforceReferentialIntegrityOnWrite(true);
		settings.setEnforceReferentialIntegrityOnDelete(true);
		settings.setAllowMultipleDelete(true);
		// The :missing modifier and full-text search are not used by OneTrip; skipping them keeps writes cheap.
		settings.setIndexMissingFields(IndexEnabledEnum.DISABLED);
		settings.setAdvancedHSearchIndexing(false);
		// No combo-unique search parameters: who is one person is the identity package's person ledger, per hospital.
		settings.setUniqueIndexesEnabled(false);
		// Write-path CPU is the ingest bottleneck on small machines: store resource bodies as plain JSON
		// (no gzip) inline in the version row (no LOB), and index search parameters by hash only.
		settings.setResourceEncoding(ResourceEncodingEnum.JSON);
		settings.setInlineResourceTextBelowSize(1_000_000);
		settings.setIndexStorageOptimized(true);
		// The display text of every coded value also indexed as a string (what a token search's :text modifier reads):
		// off by default (config/application.yaml), 12 % faster ingest; HAPI then refuses :text instead of answering it.
		settings.setSuppressStringIndexingInTokens(!indexTokenText);
		// Every search runs against what is committed now: a doctor repeating a search must see the report that arrived a
		// second ago, on every instance (HAPI would otherwise hand back an identical search's results for a while).
		settings.setReuseCachedSearchResultsForMillis(reuseSearchResults.isZero() ? null : reuseSearchResults.toMillis());
		settings.setDefaultSearchParamsCanBeOverridden(true);
		// HAPI 8 also writes each search parameter's hash identity (resource type, name) into HFJ_SPIDX_IDENTITY, one
		// transaction per parameter on a background thread: ~1,500 of them on an empty database, ~4.5 s of CPU competing
		// with the start (bench/HISTORY.md, 2026-12-03 stop 34). The table is for people reading the hashed index rows;
		// HAPI's searches never read it.
		settings.setWriteToSearchParamIdentityTable(false);
		// HAPI would also keep each request's id in the version row it stores (read back as meta.source "#<id>"). It sets
		// the id after handing the row to Hibernate, which then writes the row twice: an insert, and an update carrying
		// the whole resource text again, for every resource stored (bench/HISTORY.md, stop 50). OneTrip ties a write to
		// its request through the audit trail and the logs, not meta.source; a source URI the sender gives is still kept.
		settings.setStoreMetaSourceInformation(requestIdInVersions
				? JpaStorageSettings.StoreMetaSourceInformationEnum.SOURCE_URI_AND_REQUEST_ID
				: JpaStorageSettings.StoreMetaSourceInformationEnum.SOURCE_URI);
		return settings;
	}

	/**
	 * HAPI's FHIR context does not look for referenced resources to contain automatically. With that option on (HAPI's
	 * default), every resource HAPI encodes, to store it or to answer, is walked element by element for a
	 * {@code Reference} holding a resource object without an id, to put that object into {@code contained}: a convenience
	 * for code that builds resources, which OneTrip's code never relies on (its references are ids or explicit
	 * contained resources, which are encoded as before). The walk was 4 % of the DICOM sync's time (bench/HISTORY.md,
	 * 2026-12-03 stop 34).
	 */
	@Bean
	public static BeanPostProcessor noAutomaticContainment() {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof FhirContext context) {
					context.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
				}
				return bean;
			}
		};
	}

	/**
	 * HAPI's model read without reflection: see {@link DirectFieldReads}. {@code -Donetrip.hapi.direct-field-reads=false}
	 * leaves HAPI's reflective accessors, for an A/B measurement (a system property: this runs before Spring's
	 * configuration is bound).
	 */
	@Bean
	public static BeanPostProcessor directFieldReads() {
		boolean enabled = Boolean.parseBoolean(System.getProperty("onetrip.hapi.direct-field-reads", "true"));
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (enabled && bean instanceof FhirContext context) {
					DirectFieldReads.install(context);
				}
				return bean;
			}
		};
	}

	/**
	 * HAPI's resource text and hash calculation without the first-pass encoding of a FHIR transaction's resources and
	 * with the hash in one digest call (see {@link ca.uhn.fhir.jpa.dao.TransactionAwareResourceHistoryCalculator}).
	 * HAPI's own calculator bean stays defined; its DAOs take this one.
	 */
	@Bean
	@Primary
	public ca.uhn.fhir.jpa.dao.ResourceHistoryCalculator transactionAwareResourceHistoryCalculator(FhirContext fhirContext) {
		return new ca.uhn.fhir.jpa.dao.TransactionAwareResourceHistoryCalculator(fhirContext);
	}

	/**
	 * Two of HAPI's beans replaced under their own names, so that everything HAPI wires to them gets OneTrip's and no
	 * second one is made:
	 * <ul>
	 *   <li>{@code searchParamExtractor}: HAPI's extractor with the simple paths walked without the FHIRPath engine
	 *   ({@link WalkedSearchParamPaths}); {@code -Donetrip.hapi.walked-search-param-paths=false} leaves HAPI's;</li>
	 *   <li>{@code primaryFhirContext}: HAPI's R4 context, whose terser finds references and populated elements with a
	 *   walk of its own ({@link WalkingFhirContext}); {@code -Donetrip.hapi.walking-fhir-context=false} leaves HAPI's.</li>
	 * </ul>
	 * The switches are for A/B measurements, and system properties because this runs before Spring's configuration is
	 * bound.
	 */
	@Bean
	public static BeanDefinitionRegistryPostProcessor hapiBeansReplaced() {
		boolean walkedPaths = Boolean.parseBoolean(System.getProperty("onetrip.hapi.walked-search-param-paths", "true"));
		boolean walkingContext = Boolean.parseBoolean(System.getProperty("onetrip.hapi.walking-fhir-context", "true"));
		return new BeanDefinitionRegistryPostProcessor() {
			@Override
			public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
				if (walkedPaths) {
					replace(registry, HAPI_SEARCH_PARAM_EXTRACTOR, "SearchParamConfig",
							new RootBeanDefinition(WalkedSearchParamPaths.class));
				}
				if (walkingContext) {
					RootBeanDefinition context = new RootBeanDefinition(WalkingFhirContext.class);
					context.setFactoryMethodName("forR4");
					context.setAutowireMode(RootBeanDefinition.AUTOWIRE_CONSTRUCTOR);
					context.setPrimary(true);
					replace(registry, HAPI_FHIR_CONTEXT, "FhirContextR4Config", context);
				}
			}

			@Override
			public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {}
		};
	}

	private static void replace(BeanDefinitionRegistry registry, String name, String hapiConfiguration,
			RootBeanDefinition replacement) {
		if (!registry.containsBeanDefinition(name)) {
			throw new IllegalStateException("HAPI no longer defines its bean '" + name + "' (" + hapiConfiguration
					+ "): OneTrip cannot replace it with " + replacement.getBeanClassName());
		}
		registry.removeBeanDefinition(name);
		registry.registerBeanDefinition(name, replacement);
	}

	/** HAPI's repositories made on first use, not at start-up (see {@link LazyRepositories}). */
	@Bean
	public static LazyRepositories lazyRepositories() {
		return new LazyRepositories();
	}

	/** HAPI's periodic jobs start once OneTrip is ready (see {@link SchedulerStartsWhenReady}). */
	@Bean
	public static SchedulerStartsWhenReady.Replacement schedulerStartsWhenReady() {
		return new SchedulerStartsWhenReady.Replacement();
	}

	/** One partition: the region shares one patient index; hospitals are told apart by identifiers, not partitions. */
	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			DataSource dataSource,
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(dataSource);
		boolean schemaCurrent = SchemaVersion.isCurrent(dataSource);
		factory.setJpaProperties(hibernateProperties(jdbcUrlOf(dataSource), schemaCurrent));
		return factory;
	}

	/** Runs once the EntityManagerFactory exists, i.e. once Hibernate has brought the schema up to date. */
	@Bean
	public SchemaVersion.Recorded schemaVersionRecorder(EntityManagerFactory entityManagerFactory, DataSource dataSource) {
		SchemaVersion.record(dataSource);
		return new SchemaVersion.Recorded(SchemaVersion.current());
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}

	private static String jdbcUrlOf(DataSource dataSource) {
		try (java.sql.Connection connection = dataSource.getConnection()) {
			return connection.getMetaData().getURL();
		} catch (java.sql.SQLException e) {
			throw new org.onetrip.server.storage.StorageStartException("OneTrip's database cannot be reached: "
					+ e.getMessage(), e);
		}
	}

	/** Hibernate settings that depend only on which database is behind the JDBC URL. */
	static Properties hibernateProperties(String jdbcUrl, boolean schemaCurrent) {
		Properties p = new Properties();
		p.put("hibernate.dialect", dialectFor(jdbcUrl));
		// Creates the schema on first start and adds what a HAPI upgrade introduces; never drops data.
		// Skipped when this HAPI version already did it (see SchemaVersion): the inspection is slow on big databases.
		p.put("hibernate.hbm2ddl.auto", schemaCurrent ? "none" : "update");
		p.put("hibernate.search.enabled", "false");
		// No Bean Validation of each entity Hibernate inserts or updates: of HAPI's entities only a terminology concept
		// property's key declares one (@NotBlank; the column stays NOT NULL), OneTrip has none, and the validator's pass
		// over every index row was 1.3 % of a booking's CPU (bench/HISTORY.md, 2026-12-04 stop 41). The database's own
		// column limits and HAPI's truncation stay.
		p.put("jakarta.persistence.validation.mode", "none");
		// Without Bean Validation Hibernate would check not-null columns itself, which it leaves off while a validator is
		// present: HAPI's entities carry a not-null partition column it fills in later (HAPI-2223 otherwise). As before.
		p.put("hibernate.check_nullability", "false");
		p.put("hibernate.jdbc.batch_size", "50");
		p.put("hibernate.order_inserts", "true");
		p.put("hibernate.order_updates", "true");
		p.put("hibernate.cache.use_query_cache", "false");
		p.put("hibernate.cache.use_second_level_cache", "false");
		p.put("hibernate.cache.use_structured_entries", "false");
		p.put("hibernate.cache.use_minimal_puts", "false");
		p.put("hibernate.format_sql", "false");
		p.put("hibernate.show_sql", "false");
		return p;
	}

	/** PostgreSQL everywhere: OneTrip's own (storage/LocalPostgres) or an external one. */
	static String dialectFor(String jdbcUrl) {
		if (jdbcUrl.startsWith("jdbc:postgresql:")) {
			return HapiFhirPostgresDialect.class.getName();
		}
		throw new org.onetrip.server.storage.StorageStartException("OneTrip stores in PostgreSQL (jdbc:postgresql:...); "
				+ "spring.datasource.url is " + jdbcUrl + ". Unset it to use the PostgreSQL OneTrip starts itself");
	}
}
