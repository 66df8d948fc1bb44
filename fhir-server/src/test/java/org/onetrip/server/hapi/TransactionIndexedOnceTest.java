package org.onetrip.server.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.jpa.model.entity.ResourceTable;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

/** The rules of TransactionIndexedOnce, without a server: what is marked, what unmarks it, what refuses the commit. */
class TransactionIndexedOnceTest {

	private final TransactionIndexedOnce indexedOnce = new TransactionIndexedOnce();

	@Test
	void aTransactionsResourceWithoutItsSecondSaveRefusesTheCommit() {
		TransactionDetails transaction = fhirTransaction();
		Observation observation = new Observation();
		indexedOnce.creating(observation, transaction);

		assertThat(observation.getUserData(JpaConstants.RESOURCE_SKIP_INDEXING)).isEqualTo(Boolean.TRUE);
		assertThat(TransactionIndexedOnce.awaitsSecondSave(observation)).isTrue();
		assertThatThrownBy(() -> indexedOnce.created(transaction)).isInstanceOf(InternalErrorException.class)
				.hasMessageContaining("second save");
	}

	@Test
	void theSecondSaveIndexesAsUsualAndMakesTheRowCountAsChanged() {
		TransactionDetails transaction = fhirTransaction();
		Observation observation = new Observation();
		indexedOnce.creating(observation, transaction);
		ResourceTable row = new ResourceTable();
		row.setHashSha256("first-pass-hash");

		TransactionIndexedOnce.secondSave(transaction, observation, row);

		assertThat(observation.getUserData(JpaConstants.RESOURCE_SKIP_INDEXING)).isNull();
		assertThat(TransactionIndexedOnce.awaitsSecondSave(observation)).isFalse();
		assertThat(row.getHashSha256()).isNull();
		indexedOnce.created(transaction); // no refusal
	}

	@Test
	void aRolledBackTransactionLeavesNoResourceMarked() {
		TransactionDetails transaction = fhirTransaction();
		Observation observation = new Observation();
		indexedOnce.creating(observation, transaction);

		transaction.getRollbackUndoActions().forEach(Runnable::run);

		assertThat(observation.getUserData(JpaConstants.RESOURCE_SKIP_INDEXING)).isNull();
		assertThat(TransactionIndexedOnce.awaitsSecondSave(observation)).isFalse();
		indexedOnce.created(transaction);
	}

	@Test
	void aSingleCreateIsLeftAlone() {
		TransactionDetails single = new TransactionDetails();
		Observation observation = new Observation();
		indexedOnce.creating(observation, single);
		assertThat(observation.getUserData(JpaConstants.RESOURCE_SKIP_INDEXING)).isNull();
		assertThat(TransactionIndexedOnce.awaitsSecondSave(observation)).isFalse();
	}

	private static TransactionDetails fhirTransaction() {
		TransactionDetails transaction = new TransactionDetails();
		transaction.setFhirTransaction(true);
		return transaction;
	}
}
