package org.onetrip.server.hapi;

import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.onetrip.server.storage.DatabaseAvailability;
import org.onetrip.server.storage.DatabaseUnavailable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The FHIR REST endpoint at {@code /fhir}: HAPI's RestfulServer with the JPA resource providers.
 * OneTrip features contribute by declaring beans of type {@link FhirServerContribution}.
 */
@Configuration
public class FhirEndpointConfiguration {

	public static final String FHIR_PATH = "/fhir";
	/** The name HAPI's servlet is registered under (what {@code HttpServletRequest.getHttpServletMapping()} reports). */
	public static final String FHIR_SERVLET = "fhir";

	/**
	 * HAPI's RestfulServer, built once every singleton exists (see {@link DeferredServlet} for why not earlier): hence
	 * its parts come as providers, and the servlet bean is the deferred one that stands for it.
	 */
	@Bean
	public DeferredServlet fhirRestfulServer(
			ObjectProvider<IFhirSystemDao<?, ?>> systemDao,
			ObjectProvider<ResourceProviderFactory> resourceProviders,
			ObjectProvider<IJpaSystemProvider> systemProvider,
			ObjectProvider<ValueSetOperationProvider> valueSetOperations,
			ObjectProvider<JpaStorageSettings> storageSettings,
			ObjectProvider<ISearchParamRegistry> searchParamRegistry,
			ObjectProvider<IValidationSupport> validationSupport,
			ObjectProvider<DatabaseBackedPagingProvider> pagingProvider,
			ObjectProvider<FhirServerContribution> contributions,
			ObjectProvider<DatabaseAvailability> databaseAvailability) {
		return new DeferredServlet(() -> restfulServer(systemDao.getObject(), resourceProviders.getObject(),
				systemProvider.getObject(), valueSetOperations.getObject(), storageSettings.getObject(),
				searchParamRegistry.getObject(), validationSupport.getObject(), pagingProvider.getObject(), contributions,
				databaseAvailability.getObject()));
	}

	private static RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviders,
			IJpaSystemProvider systemProvider,
			ValueSetOperationProvider valueSetOperations,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			ObjectProvider<FhirServerContribution> contributions,
			DatabaseAvailability databaseAvailability) {
		RestfulServer server = new RestfulServer(systemDao.getContext(), new CachedHookInvokers("RestfulServer")) {
			/**
			 * The id HAPI gives each request (X-Request-ID, the log lines of the request) from a fast generator: HAPI's
			 * default draws every character from SecureRandom, 1 % of a booking storm's request CPU, for an id that
			 * correlates logs and protects nothing.
			 */
			@Override
			protected String newRequestId(int length) {
				return RequestIds.next(length);
			}

			/** As HAPI's own, over the body read before the request's turn (see the class). */
			@Override
			protected ServletRequestDetails newRequestDetails(RequestTypeEnum type, HttpServletRequest request,
					HttpServletResponse response) {
				ServletRequestDetails details = new RequestDetailsOverReadBody(getInterceptorService());
				details.setServer(this);
				details.setRequestType(type);
				details.setServletRequest(request);
				details.setServletResponse(response);
				return details;
			}
		};
		server.registerProviders(resourceProviders.createProviders());
		server.registerProvider(systemProvider);
		server.registerProvider(valueSetOperations);

		JpaCapabilityStatementProvider capabilityStatement = new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		capabilityStatement.setImplementationDescription("OneTrip regional health-interoperability server");
		server.setServerConformanceProvider(capabilityStatement);
		server.setServerName("OneTrip");

		pagingProvider.setDefaultPageSize(20);
		pagingProvider.setMaximumPageSize(500);
		server.setPagingProvider(pagingProvider);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		// Browsers get readable HTML; FHIR clients get plain JSON or XML as they ask.
		server.registerInterceptor(new BrowserPages());
		BrowserPages.filterTheLog();
		server.registerInterceptor(new ClientMistakes());
		// A database that is away (restarting, unreachable) is a 503 to retry, not a 500.
		server.registerInterceptor(new DatabaseUnavailable(databaseAvailability));

		contributions.orderedStream().forEach(c -> c.contributeTo(server));
		return server;
	}

	@Bean
	public StoredResources storedResources(org.springframework.jdbc.core.JdbcTemplate jdbc) {
		return new StoredResources(jdbc);
	}

	@Bean
	public ConfigPublication configPublication(ca.uhn.fhir.jpa.api.dao.IFhirSystemDao<org.hl7.fhir.r4.model.Bundle, ?> systemDao,
			StoredResources stored, org.onetrip.server.terminology.ConfigFileLedger ledger) {
		return new ConfigPublication(systemDao, stored, ledger);
	}

	/** Every write's reference targets found in one statement, not one Hibernate query each (see the class). */
	@Bean
	public ReferenceTargetPrefetch referenceTargetPrefetch(ca.uhn.fhir.context.FhirContext fhirContext,
			StoredResources stored, ca.uhn.fhir.interceptor.api.IInterceptorService storageInterceptors) {
		ReferenceTargetPrefetch prefetch = new ReferenceTargetPrefetch(fhirContext, stored);
		storageInterceptors.registerInterceptor(prefetch);
		return prefetch;
	}

	/** A FHIR transaction's created resources get their search parameters extracted once, not twice (see the class). */
	@Bean
	public TransactionIndexedOnce transactionIndexedOnce(ca.uhn.fhir.interceptor.api.IInterceptorService storageInterceptors) {
		TransactionIndexedOnce indexedOnce = new TransactionIndexedOnce();
		storageInterceptors.registerInterceptor(indexedOnce);
		return indexedOnce;
	}

	/** Tells {@link TransactionIndexedOnce} when HAPI saves a transaction's resource the second time. */
	@Bean
	public static org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor transactionSecondPassAdvice() {
		return TransactionIndexedOnce.secondPassAdvice();
	}

	/** HAPI's extractor skips composite search parameters that only a full-text indexer would read (see the class). */
	@Bean
	public static CompositesNotExtracted compositesNotExtracted() {
		return new CompositesNotExtracted();
	}

	/** HAPI's storage hooks without its global lock per hook call (see {@link CachedHookInvokers}). */
	@Bean
	public static org.springframework.beans.factory.config.BeanPostProcessor cachedStorageHookInvokers() {
		return CachedHookInvokers.forJpaStorage();
	}

	@Bean
	public ServletRegistrationBean<DeferredServlet> fhirServlet(DeferredServlet fhirRestfulServer) {
		ServletRegistrationBean<DeferredServlet> registration =
				new ServletRegistrationBean<>(fhirRestfulServer, FHIR_PATH + "/*");
		registration.setName(FHIR_SERVLET);
		registration.setLoadOnStartup(1);
		return registration;
	}
}
