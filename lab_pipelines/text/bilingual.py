"""A small Korean-English term map of the lab's domain, for cross-lingual full-text search.

The offline backends have no translation model, so a Korean question about an English-only
document (Argo CD, Ollama, Prometheus, Proxmox, Tailscale) would share only its product names
with it. ``translate_query`` rewrites a question's terms into the other language with this
map; the search runs it as a second full-text leg. Written by hand from the domain's usual
vocabulary (Kubernetes' Korean localisation glossary style: 파드 = Pod), not from any question.
Each line: Korean term (a Kiwi morpheme or a word), then its English word or phrase.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PAIRS = """
파드 pod|노드 node|클러스터 cluster|컨테이너 container|이미지 image|서비스 service
디플로이먼트 deployment|레플리카셋 replicaset|레플리카 replica|스테이트풀셋 statefulset
데몬셋 daemonset|잡 job|크론잡 cronjob|컨피그맵 configmap|시크릿 secret|네임스페이스 namespace
인그레스 ingress|볼륨 volume|퍼시스턴트 persistent|클레임 claim|스토리지 storage
컨트롤러 controller|스케줄러 scheduler|스케줄링 scheduling|레이블 label|라벨 label|셀렉터 selector
어노테이션 annotation|테인트 taint|톨러레이션 toleration|어피니티 affinity|프로브 probe
오토스케일러 autoscaler|오토스케일링 autoscaling|엔드포인트 endpoint|프록시 proxy|사이드카 sidecar
매니페스트 manifest|오퍼레이터 operator|커스텀 custom|리소스 resource|자원 resource|쿼터 quota
제한 limit|요청 request|할당 allocation|축출 eviction|선점 preemption|우선순위 priority
토폴로지 topology|영역 zone|존 zone|컨텍스트 context|플러그인 plugin|드라이버 driver
런타임 runtime|인증서 certificate|인증 authentication|인가 authorization|권한 permission|역할 role
정책 policy|토큰 token|계정 account|사용자 user|그룹 group|비밀번호 password|암호 password|키 key
암호화 encryption|네트워크 network|트래픽 traffic|포트 port|주소 address|도메인 domain
라우팅 routing|로드밸런서 loadbalancer|부하 load|분산 distributed|방화벽 firewall|터널 tunnel
릴레이 relay|사설 private|비공개 private|공개 public|원격 remote|로컬 local|호스트 host
서버 server|클라이언트 client|에이전트 agent|데몬 daemon|프로세스 process|스레드 thread
메모리 memory|디스크 disk|용량 capacity|파일 file|시스템 system|디렉터리 directory|폴더 folder
경로 path|루트 root|마운트 mount|스냅샷 snapshot|백업 backup|복원 restore|복구 recovery
재해 disaster|장애 failure|고가용성 availability|가용성 availability|업그레이드 upgrade
업데이트 update|설치 install|제거 uninstall|삭제 delete|생성 create|추가 add|수정 modify
변경 change|구성 configuration|설정 configuration|환경 environment|변수 variable|값 value
기본값 default|기본 default|옵션 option|플래그 flag|명령 command|명령어 command|스크립트 script
템플릿 template|차트 chart|저장소 repository|리포지토리 repository|레지스트리 registry
릴리스 release|릴리즈 release|리비전 revision|버전 version|롤백 rollback|되돌리 rollback
의존성 dependency|종속성 dependency|훅 hook|후크 hook|패키지 package|동기화 sync|자동 automatic
수동 manual|배포 deploy|웨이브 wave|순서 order|상태 status|헬스 health|건강 health|점검 check
검사 check|모니터링 monitoring|메트릭 metric|지표 metric|경고 alert|알림 alert|알람 alert
규칙 rule|쿼리 query|질의 query|카운터 counter|게이지 gauge|히스토그램 histogram|서머리 summary
요약 summary|분위수 quantile|백분위 percentile|지연 latency|시간 time|간격 interval|수집 scrape
스크레이프 scrape|익스포터 exporter|대시보드 dashboard|로그 log|로깅 logging|이벤트 event
추적 tracing|트레이싱 tracing|관측 observability|가시성 observability|보존 retention|쓰기 write
읽기 read|전용 only|모델 model|학습 training|훈련 training|추론 inference|양자화 quantization
텐서 tensor|데이터 data|데이터셋 dataset|배치 batch|병렬 parallel|병렬화 parallelism
분산 distributed|그래디언트 gradient|손실 loss|최적화 optimization|옵티마이저 optimizer
정확도 accuracy|신경망 network|레이어 layer|계층 layer|가중치 weights|파라미터 parameter
매개변수 parameter|임베딩 embedding|벡터 vector|토큰 token|프롬프트 prompt|채팅 chat|응답 response
생성 generate|스트리밍 streaming|스키마 schema|구조화 structured|출력 output|입력 input|도구 tool
함수 function|호출 call|길이 length|창 window|윈도우 window|로드 load|언로드 unload
가속 acceleration|그래픽 gpu|그래픽카드 gpu|드라이버 driver|도커 docker|쿠버네티스 kubernetes
헬름 helm|프로메테우스 prometheus|올라마 ollama|테일스케일 tailscale|테일넷 tailnet|가상 virtual
머신 machine|가상머신 vm|컨테이너화 containerization|하이퍼바이저 hypervisor|패스스루 passthrough
템플릿화 templating|스토리지풀 pool|풀 pool|복제 replication|마이그레이션 migration|이동 move
클론 clone|방화벽 firewall|브리지 bridge|인터페이스 interface|웹 web|화면 ui|페이지 page
문서 documentation|예제 example|시작 start|중지 stop|재시작 restart|실행 run|종료 shutdown
대기 wait|실패 failure|오류 error|에러 error|문제 problem|디버깅 debugging|디버그 debug
해결 troubleshooting|성능 performance|속도 speed|확장 scale|스케일 scale|수평 horizontal
수직 vertical|주기 periodic|주기적 periodic|일정 schedule|예약 schedule|보안 security
취약점 vulnerability|감사 audit|격리 isolation|서명 signing|검증 verification|신뢰 trust
키페어 keypair|플랫폼 platform|엔지니어링 engineering|개발자 developer|팀 team|운영 operations
애플리케이션 application|앱 app|워크로드 workload|마이크로서비스 microservices|메시 mesh
클라우드 cloud|네이티브 native|멱등성 idempotence|불변 immutable|선언적 declarative
관리 management|관리자 administrator|감시 watch|파이프라인 pipeline|통합 integration
지속적 continuous|전달 delivery|깃옵스 gitops|소스 source|브랜치 branch|커밋 commit
파일시스템 filesystem|블록 block|객체 object|버킷 bucket|캐시 cache|큐 queue|상태저장 stateful
무상태 stateless|가비지 garbage|수집기 collector|소유자 owner|종속 dependent|인증기관 ca
갱신 renew|만료 expire|시각화 visualization|실시간 realtime|탐지 detection|객체탐지 detection
분류 classification|사전 pretrained|전이 transfer|미세조정 finetuning|튜토리얼 tutorial
이미지분류 classification|노트북 notebook|라즈베리 raspberry|파이 pi|리눅스 linux|윈도우즈 windows
우분투 ubuntu|데비안 debian|커널 kernel|부팅 boot|재부팅 reboot|하드웨어 hardware
소프트웨어 software|프로세서 processor|코어 core|스왑 swap|파티션 partition|네트워킹 networking
서브넷 subnet|게이트웨이 gateway|브라우저 browser|요청량 rate|대역폭 bandwidth|아이피 ip
아이피주소 ip|호스트명 hostname|이름 name|규약 convention|명명 naming|접두사 prefix|접미사 suffix
단위 unit|초 seconds|분 minutes|기간 duration|시간대 timezone|날짜 date|저장 storage
보관 retention|압축 compression|전송 transfer|다운로드 download|업로드 upload|내보내기 export
가져오기 import|복사 copy|동기 synchronous|비동기 asynchronous|병합 merge|충돌 conflict|잠금 lock
트랜잭션 transaction|일관성 consistency|데이터베이스 database|테이블 table|색인 index|인덱스 index
검색 search|필터 filter|정렬 sort|집계 aggregation|연산자 operator|함수형 functional
표현식 expression|문법 syntax|언어 language|라이브러리 library|프레임워크 framework
의존 dependency|빌드 build|컴파일 compile|바이너리 binary|실행파일 executable|설치본 installer
사용법 usage|가이드 guide|모범 best|사례 practices|권장 recommended|주의 caution|제약 constraint
요구사항 requirements|호환 compatibility|호환성 compatibility|지원 support|기능 feature
특징 feature|아키텍처 architecture|구조 architecture|구성요소 component|컴포넌트 component
모듈 module|인스턴스 instance|클래스 class|타입 type|형식 format|포맷 format|인코딩 encoding
변환 conversion|시크릿키 secret|자격증명 credentials|로그인 login|로그아웃 logout|세션 session
쿠키 cookie|싱글사인온 sso|다중 multi|테넌트 tenant|멀티테넌시 multitenancy|프로젝트 project
조직 organization|승인 approval|거부 deny|허용 allow|차단 block|노출 expose|공개적 public
내부 internal|외부 external|연결 connection|접속 connect|포워딩 forwarding|프록시서버 proxy
인증서버 authentication|출구 exit|출구노드 exit|피어 peer|메시지 message|알림채널 notification
웹훅 webhook|콜백 callback|트리거 trigger|조건 condition|임계값 threshold|한도 limit|초과 exceed
부족 insufficient|압박 pressure|가득 full|비어 empty|누수 leak|사용량 usage|활용률 utilization
비용 cost|효율 efficiency|대기열 queue|동시 concurrent|동시성 concurrency|스케일아웃 scaleout
샤딩 sharding|파티셔닝 partitioning|연합 federation|원격저장 remote|장기 long|단기 short
보존기간 retention|샘플 sample|시계열 timeseries|라벨링 labeling|레이블링 labeling|시리즈 series
카디널리티 cardinality|버킷 bucket|레코딩 recording|기록 recording|녹화 recording|평가 evaluation
표현 expression|범위 range|벡터데이터 vector|양자화모델 quantized|정밀도 precision|반정밀도 half
혼합 mixed|배치크기 batch|에폭 epoch|체크포인트 checkpoint|저장하기 save|불러오기 load
내보내 export|변환기 transformer|트랜스포머 transformer|어텐션 attention|토크나이저 tokenizer
어휘 vocabulary|생성형 generative|언어모델 llm|대형 large|시각 vision|컴퓨터 computer|객체 object
세그멘테이션 segmentation|분할 segmentation|검출 detection
"""


@lru_cache(maxsize=1)
def term_map() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """(Korean term → English words, English word → Korean terms)."""
    ko_en: dict[str, list[str]] = {}
    en_ko: dict[str, list[str]] = {}
    for entry in re.split(r"[|\n]", _PAIRS):
        if not entry.strip():
            continue
        ko, en = entry.split(maxsplit=1)
        ko_en.setdefault(ko, []).extend(en.split())
        for word in en.split():
            en_ko.setdefault(word, []).append(ko)
    return (
        {k: tuple(dict.fromkeys(v)) for k, v in ko_en.items()},
        {k: tuple(dict.fromkeys(v)) for k, v in en_ko.items()},
    )


@lru_cache(maxsize=1)
def korean_terms() -> frozenset[str]:
    """The map's Korean terms of 2+ syllables (a dictionary to cut compounds with)."""
    return frozenset(k for k in term_map()[0] if len(k) > 1)


_HANGUL = re.compile(r"[가-힣]")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def translate_query(text: str) -> str:
    """``text``'s terms in the other language: English words for a Korean question (its
    Latin words kept), Korean terms for an English one; '' when the map knows none."""
    from lab_pipelines.text.index_terms import korean_stem

    ko_en, en_ko = term_map()
    if _HANGUL.search(text):
        # Words cut by rule, not by Kiwi: a search must not pay Kiwi's ~2.3 s start.
        stems = [korean_stem(w) for w in re.findall(r"[가-힣]+", text)]
        words = [w for m in stems for w in ko_en.get(m, ())]
        # Hangul words Kiwi left whole (퍼시스턴트볼륨): their known parts still translate.
        for word in re.findall(r"[가-힣]+", text):
            words.extend(w for k, v in ko_en.items() if len(k) > 1 and k in word for w in v)
        words += _LATIN.findall(text)
        return " ".join(dict.fromkeys(words))
    found: list[str] = []
    for word in _LATIN.findall(text.lower()):
        for candidate in (
            word,
            word.rstrip("s"),
            word.removesuffix("es"),
            word.removesuffix("ing"),
        ):
            if candidate in en_ko:
                found.extend(en_ko[candidate])
                break
    return " ".join(dict.fromkeys(found))
