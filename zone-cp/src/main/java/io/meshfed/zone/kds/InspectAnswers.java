package io.meshfed.zone.kds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiResponse;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one of global's inspect requests into the zone API's answer: the JSON body on 200, the
 * status, title and detail of the {@link ApiException} otherwise. A body larger than the relay
 * limit is not sent (502 naming the size); an unexpected failure is a 500 whose details stay in
 * this zone's log.
 */
final class InspectAnswers {
  private static final Logger log = LoggerFactory.getLogger(InspectAnswers.class);

  private final String zone;
  private final DataplaneViews views;
  private final ObjectMapper json;
  private final int maxBodyBytes;

  InspectAnswers(String zone, DataplaneViews views, ObjectMapper json, int maxBodyBytes) {
    this.zone = zone;
    this.views = views;
    this.json = json;
    this.maxBodyBytes = maxBodyBytes;
  }

  InspectResponse answer(InspectRequest request) {
    InspectResponse.Builder out = InspectResponse.newBuilder().setId(request.getId());
    if (!InspectViews.ALL.contains(request.getType())) {
      return error(
          out,
          new ApiException(
              400,
              "Bad Request",
              "inspect view '"
                  + request.getType()
                  + "' is not supported yet by zone '"
                  + zone
                  + "' (expected one of "
                  + InspectViews.ALL
                  + ")"));
    }
    ApiResponse response;
    try {
      response = views.view(request.getType(), request.getMesh(), request.getName());
    } catch (ApiException e) {
      return error(out, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return error(out, new ApiException(503, "Service Unavailable", "zone is stopping"));
    } catch (Exception e) {
      String reference = UUID.randomUUID().toString();
      log.error(
          "zone={}: relayed {} of {}/{} failed (reference {})",
          zone,
          request.getType(),
          request.getMesh(),
          request.getName(),
          reference,
          e);
      return error(
          out,
          new ApiException(
              500,
              "Internal Server Error",
              "internal error in zone '" + zone + "'; reference " + reference + " in its logs"));
    }
    byte[] body;
    try {
      body = response.json() != null ? json.writeValueAsBytes(response.json()) : response.raw();
    } catch (JsonProcessingException e) {
      return error(
          out, new ApiException(500, "Internal Server Error", "cannot write the answer: " + e));
    }
    if (body.length > maxBodyBytes) {
      return error(
          out,
          new ApiException(
              502,
              "Bad Gateway",
              "the "
                  + request.getType()
                  + " view of dataplane '"
                  + request.getName()
                  + "' in zone '"
                  + zone
                  + "' is "
                  + body.length
                  + " bytes, more than the relay limit of "
                  + maxBodyBytes
                  + " bytes; ask that zone's API directly"));
    }
    return out.setStatus(response.status()).setBody(ByteString.copyFrom(body)).build();
  }

  private static InspectResponse error(InspectResponse.Builder out, ApiException e) {
    return out.setStatus(e.status()).setTitle(e.title()).setDetail(e.detail()).build();
  }
}
