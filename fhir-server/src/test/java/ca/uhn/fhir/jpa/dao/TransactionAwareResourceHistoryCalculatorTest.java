package ca.uhn.fhir.jpa.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The resource hash OneTrip computes is HAPI's, bit for bit: stored hashes tell a no-op update from a change. */
class TransactionAwareResourceHistoryCalculatorTest {

	@Test
	void theHashOfAResourceTextIsTheOneHapiComputes() {
		Random random = new Random(42);
		StringBuilder mixed = new StringBuilder();
		for (int i = 0; i < 20_000; i++) {
			mixed.append((char) random.nextInt(Character.MAX_VALUE + 1)); // lone surrogates included
		}
		for (String text : new String[] {"", "{\"resourceType\":\"Patient\"}", "Müller, José – 漢字 😀", "\uD800 lone",
				mixed.toString()}) {
			assertThat(TransactionAwareResourceHistoryCalculator.sha256OfUtf16LittleEndian(text))
					.isEqualTo(Hashing.sha256().hashUnencodedChars(text));
		}
	}
}
