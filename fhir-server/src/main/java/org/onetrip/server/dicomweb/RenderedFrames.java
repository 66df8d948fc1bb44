package org.onetrip.server.dicomweb;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.display.ConsumerFormatImageMaker;
import com.pixelmed.display.SourceImage;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.springframework.http.HttpStatus;

/**
 * WADO-RS for viewers: an instance's frames as pixels ({@code /frames/1,2}: the raw pixel data of uncompressed
 * instances), and rendered ({@code /rendered}, {@code /frames/N/rendered}: PNG or JPEG, windowed as the instance says,
 * else over its pixel range) or as a thumbnail ({@code /thumbnail}: at most 128 pixels a side). PixelMed reads and
 * windows; what it cannot decode is refused, not half-drawn.
 */
final class RenderedFrames {

	static final String PNG = "image/png";
	static final String JPEG = "image/jpeg";
	static final int THUMBNAIL_SIDE = 128;
	/** Native little-endian pixel data: what /frames serves as application/octet-stream. */
	private static final Set<String> UNCOMPRESSED = Set.of("1.2.840.10008.1.2", "1.2.840.10008.1.2.1");

	private RenderedFrames() {}

	/** The frame numbers of a URL segment "1,3,4" (1-based), each within the instance. */
	static List<Integer> frameNumbers(String segment) throws DicomWebRefusal {
		List<Integer> frames = new ArrayList<>();
		for (String part : segment.split(",")) {
			try {
				int frame = Integer.parseInt(part.trim());
				if (frame < 1) {
					throw DicomWebRefusal.badRequest("frame numbers start at 1, was " + frame);
				}
				frames.add(frame);
			} catch (NumberFormatException e) {
				throw DicomWebRefusal.badRequest("'" + segment + "' is not a list of frame numbers (1,2,3)");
			}
		}
		return frames;
	}

	/** The media type to render to: JPEG when the client asks for it (and not PNG), else PNG. */
	static String renderedType(String accept) {
		if (accept != null && accept.contains(JPEG) && !accept.contains(PNG)) {
			return JPEG;
		}
		return PNG;
	}

	/** One frame, windowed to 8 bits, encoded; {@code maxSide} > 0 scales it down to fit. */
	static byte[] render(Path file, int frame, String mediaType, int maxSide) throws IOException, DicomWebRefusal {
		AttributeList list = read(file);
		BufferedImage image;
		try {
			SourceImage source = new SourceImage(list);
			if (frame > source.getNumberOfFrames()) {
				throw new DicomWebRefusal(HttpStatus.NOT_FOUND, "the instance has " + source.getNumberOfFrames() + " frame(s), not " + frame);
			}
			image = ConsumerFormatImageMaker.makeEightBitFrame(source, frame - 1);
		} catch (DicomException | RuntimeException e) {
			throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE, "this instance's pixels cannot be rendered here: " + e.getMessage());
		}
		if (image == null) {
			throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE, "this instance has no image to render");
		}
		if (maxSide > 0 && Math.max(image.getWidth(), image.getHeight()) > maxSide) {
			image = scaled(image, maxSide);
		}
		if (JPEG.equals(mediaType) && image.getColorModel().hasAlpha()) {
			image = opaque(image);
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ImageIO.write(image, JPEG.equals(mediaType) ? "jpeg" : "png", out);
		return out.toByteArray();
	}

	/** The raw pixel data of each frame (little endian, as stored), for uncompressed instances only. */
	static List<byte[]> frames(Path file, String transferSyntaxUid, List<Integer> numbers) throws IOException, DicomWebRefusal {
		if (!UNCOMPRESSED.contains(transferSyntaxUid)) {
			throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE, "frames of a compressed instance (" + transferSyntaxUid
					+ ") are not served as pixels; retrieve the instance or its rendered frames");
		}
		AttributeList list = read(file);
		int rows = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Rows, 0);
		int columns = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.Columns, 0);
		int samples = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.SamplesPerPixel, 1);
		int bits = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.BitsAllocated, 16);
		int count = Attribute.getSingleIntegerValueOrDefault(list, TagFromName.NumberOfFrames, 1);
		Attribute pixels = list.get(TagFromName.PixelData);
		if (pixels == null || rows == 0 || columns == 0) {
			throw new DicomWebRefusal(HttpStatus.NOT_FOUND, "the instance has no pixel data");
		}
		byte[] all;
		try {
			all = bits > 8 ? littleEndian(pixels.getShortValues()) : pixels.getByteValues();
		} catch (DicomException e) {
			throw new DicomWebRefusal(HttpStatus.NOT_ACCEPTABLE, "the pixel data cannot be read: " + e.getMessage());
		}
		int frameBytes = rows * columns * samples * Math.max(1, bits / 8);
		List<byte[]> frames = new ArrayList<>();
		for (int number : numbers) {
			if (number > count || (long) number * frameBytes > all.length) {
				throw new DicomWebRefusal(HttpStatus.NOT_FOUND, "the instance has " + count + " frame(s), not " + number);
			}
			byte[] frame = new byte[frameBytes];
			System.arraycopy(all, (number - 1) * frameBytes, frame, 0, frameBytes);
			frames.add(frame);
		}
		return frames;
	}

	private static AttributeList read(Path file) throws IOException {
		AttributeList list = new AttributeList();
		try {
			list.read(file.toFile());
		} catch (DicomException e) {
			throw new IOException("stored instance " + file.getFileName() + " cannot be read: " + e.getMessage(), e);
		}
		return list;
	}

	private static byte[] littleEndian(short[] values) {
		ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
		buffer.asShortBuffer().put(values);
		return buffer.array();
	}

	private static BufferedImage scaled(BufferedImage image, int maxSide) {
		double factor = (double) maxSide / Math.max(image.getWidth(), image.getHeight());
		int width = Math.max(1, (int) Math.round(image.getWidth() * factor));
		int height = Math.max(1, (int) Math.round(image.getHeight() * factor));
		BufferedImage small = new BufferedImage(width, height, image.getType() == 0 ? BufferedImage.TYPE_INT_RGB : image.getType());
		Graphics2D g = small.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
		g.drawImage(image, 0, 0, width, height, null);
		g.dispose();
		return small;
	}

	private static BufferedImage opaque(BufferedImage image) {
		BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
		Graphics2D g = rgb.createGraphics();
		g.drawImage(image, 0, 0, null);
		g.dispose();
		return rgb;
	}
}
